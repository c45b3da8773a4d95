"""The Slack settings: the core's (bot/config.py) plus tokens, the API address and what the bot posts.

Formats are checked on the fields; what a command needs on top (serve needs a bot token, HTTP mode a signing
secret) is `needs()`, one clear line each.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from bot.config import Settings, http_url

SLACK_APPS = "api.slack.com/apps > your app > "


def _starts(value: SecretStr | None, prefix: str, name: str, where: str) -> SecretStr | None:
    if value is None or not value.get_secret_value():
        return None
    if not value.get_secret_value().startswith(prefix):
        raise ValueError(f"{name} must start with {prefix} (the token from {SLACK_APPS}{where})")
    return value


class SlackSettings(Settings):
    slack_bot_token: SecretStr | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")
    port: int = Field(3000, ge=1, le=65535, alias="PORT")
    ignore_domains: str = Field("", alias="DIGESTBOT_IGNORE_DOMAINS")
    max_links_per_message: int = Field(3, ge=1, le=20, alias="DIGESTBOT_MAX_LINKS_PER_MESSAGE")
    roundup_quiet_line: bool = Field(False, alias="DIGESTBOT_ROUNDUP_QUIET_LINE")

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        return _starts(value, "xoxb-", "SLACK_BOT_TOKEN", "OAuth & Permissions > Bot User OAuth Token")

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        return _starts(value, "xapp-", "SLACK_APP_TOKEN", "Basic Information > App-Level Tokens")

    @field_validator("slack_signing_secret")
    @classmethod
    def _signing_secret(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value() else None

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        return http_url(value, "SLACK_API_URL").rstrip("/") + "/"  # slack_sdk joins method names onto it

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    def ignored_domains(self) -> tuple[str, ...]:
        return tuple(d.strip().lower() for d in self.ignore_domains.split(",") if d.strip())

    def bot_token(self) -> str | None:
        return self.slack_bot_token.get_secret_value() if self.slack_bot_token else None

    def needs(self, *, serving: bool) -> list[str]:
        """What is missing for talking to Slack (a worker), or also for receiving from it (serve)."""
        missing = []
        if self.slack_bot_token is None:
            missing.append(f"SLACK_BOT_TOKEN must be set ({SLACK_APPS}OAuth & Permissions; it starts with xoxb-).")
        if serving and not self.socket_mode and self.slack_signing_secret is None:
            missing.append(f"SLACK_SIGNING_SECRET must be set in HTTP mode ({SLACK_APPS}Basic Information > App "
                           "Credentials), or set SLACK_APP_TOKEN for Socket Mode.")  # fmt: skip
        return missing
