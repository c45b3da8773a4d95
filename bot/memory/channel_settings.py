"""What a channel chose with `/digest`: its weekly roundup (day, time, timezone), mute, and repeat notes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, field_validator

from bot.memory.records import Part, pack, unpack


class ChannelSettings(BaseModel):
    roundup_enabled: bool = False
    roundup_day: int = Field(0, ge=0, le=6)  # 0 = Monday
    roundup_time: str = Field("09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    timezone: str = "UTC"
    roundup_set_at: datetime | None = None  # when it was switched on or moved: a due time before was never promised
    muted: bool = False
    repeats: bool = True  # say so when a link was shared here before

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ValueError, KeyError) as exc:  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value


class _SettingsRecord(ChannelSettings):
    v: Literal[1] = 1


def _settings(raw: bytes) -> ChannelSettings:
    return ChannelSettings.model_validate(unpack(_SettingsRecord, raw).model_dump(exclude={"v"}))


class ChannelSettingsStore(Part):
    async def get(self, channel_id: str) -> ChannelSettings:
        """The channel's settings, or the defaults if it has none (or Redis is away: change() never saves those)."""
        key = self.keys.channel(channel_id, "settings")
        raw = await self.guard.run(lambda: self.r.get(key), None)
        return await self.parsed(key, raw, _settings) or ChannelSettings()

    async def change(self, channel_id: str, **fields: object) -> ChannelSettings | None:
        """The channel's settings with `fields` changed, as saved; None if Redis is away or refused (nothing saved).

        Nothing is written unless the channel's settings were read: with the defaults standing in for them during
        a blip, `/digest mute` would have switched its roundup off. A pydantic ValidationError for a bad field.
        """
        key = self.keys.channel(channel_id, "settings")

        async def read() -> tuple[bool, bytes | None]:
            return True, await self.r.get(key)

        was_read, raw = await self.guard.run(read, (False, None))
        if not was_read:
            return None
        current = await self.parsed(key, raw, _settings) or ChannelSettings()
        changed = ChannelSettings.model_validate(current.model_dump() | fields)
        return changed if await self.put(channel_id, changed) else None

    async def put(self, channel_id: str, settings: ChannelSettings) -> bool:
        """Store the channel's settings whole; False if Redis is away or refused, and nothing was saved."""
        value = pack(_SettingsRecord.model_validate(settings.model_dump()))

        async def call() -> bool:
            async with self.r.pipeline(transaction=False) as pipe:
                pipe.set(self.keys.channel(channel_id, "settings"), value)
                (pipe.sadd if settings.roundup_enabled else pipe.srem)(self.keys.roundups, channel_id)
                await pipe.execute()
            return True

        return await self.guard.run(call, False)

    async def with_roundups(self) -> list[tuple[str, ChannelSettings]]:
        """Channels whose roundup is on, with their settings, sorted by channel id."""
        members = await self.guard.run(lambda: self.r.smembers(self.keys.roundups), set())
        found = []
        for channel in sorted(c.decode() for c in members):
            settings = await self.get(channel)
            if settings.roundup_enabled:
                found.append((channel, settings))
        return found
