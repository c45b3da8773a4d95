"""Related reading on a real Redis: topical ranking, the threshold, same-story exclusion, privacy, replicas."""

from __future__ import annotations

import asyncio
import struct
import threading
import uuid
import warnings
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import redis.asyncio

from bot.config import Settings
from bot.memory import textvec
from bot.memory.channels import Share
from bot.memory.keys import Keys
from bot.memory.related.index import RelatedIndex
from bot.memory.related.models import RelatedItem, RelatedQuery
from bot.memory.related.ranking import NEIGHBOUR_BONUS, NEIGHBOURS, FirstPass
from bot.memory.related.record import Doc, doc_id, one_line
from bot.memory.related.show import SHOW_FIRST, SHOW_OTHER, SHOW_SURE, Shortlist
from bot.memory.related.story import SAME_STORY_SKETCH
from bot.memory.related.team import TeamIndex
from bot.models import Digest
from bot.service import DigestService

pytest_plugins = ["tests.support.redis_server"]

TEAM = "T1"
DAY0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)

# Five short articles in each of three topics; every one a distinct story, sharing its topic's vocabulary.
ARTICLES = {
    "space": [
        (
            "NASA rover finds ancient lake bed on Mars",
            "The NASA rover drilled into rock on the planet Mars and found clay that formed in an ancient lake. "
            "Scientists at the space agency say the planet once had water, and astronomers will point a "
            "telescope at the crater from orbit to map it.",
        ),
        (
            "Astronomers spot water vapour on a distant planet",
            "Astronomers used a space telescope to measure starlight passing through the atmosphere of a planet "
            "orbiting a red dwarf. The spectrum shows water, and NASA scientists want to know if the planet "
            "could hold life.",
        ),
        (
            "New rocket launches crew to the space station",
            "The rocket lifted off carrying four astronauts to the space station in orbit. NASA says the crew "
            "will run experiments for the space agency and point a small telescope at the planet below.",
        ),
        (
            "Space telescope images reveal the birth of a galaxy",
            "Astronomers used the NASA space telescope to image a young galaxy forming stars. The scientists "
            "say the light left the galaxy long before any planet like Earth had formed in orbit of the sun.",
        ),
        (
            "Probe to study the icy moons of the planet Jupiter",
            "The space probe will orbit the planet Jupiter and fly past its icy moons. NASA scientists think "
            "the moons hide an ocean of water, and astronomers will watch the probe with a telescope.",
        ),
    ],
    "cooking": [
        (
            "How to bake sourdough bread at home",
            "This recipe bakes sourdough bread in a home oven. Mix flour, water and salt, let the dough rise "
            "overnight, then bake it in a hot oven. Cook it covered so the crust turns crisp; serve with butter.",
        ),
        (
            "A quick tomato pasta sauce recipe for weeknights",
            "This recipe cooks a tomato sauce in twenty minutes. Simmer garlic in olive oil, add tomatoes and "
            "salt, cook the sauce, then toss it with pasta. Bake any leftovers in the oven with butter.",
        ),
        (
            "The secret to crisp roast potatoes",
            "Cook the potatoes in salted water, rough up their edges, and roast them in a hot oven with butter "
            "or oil. This recipe bakes them until crisp; season with salt before serving.",
        ),
        (
            "Slow cooker beef stew recipe",
            "This recipe cooks beef with onions, carrots and stock for eight hours. Thicken the sauce with "
            "flour and butter, season with salt, and serve the stew with bread warmed in the oven.",
        ),
        (
            "Baking chocolate chip cookies that stay soft",
            "This cookie recipe mixes butter, sugar, eggs, flour and a pinch of salt with chocolate chips. Bake "
            "the dough briefly in a hot oven and let it cook on the tray so the cookies stay soft.",
        ),
    ],
    "football": [
        (
            "Late goal sends the home team to the cup final",
            "The striker scored a late goal and the football team beat its rivals to reach the cup final. The "
            "coach praised the players, and the club's fans celebrated the win in the league city.",
        ),
        (
            "Star striker signs a record transfer deal with the club",
            "The football club signed the striker in a record transfer, and the player will join the team "
            "before the new league season. The coach expects goals, and fans hope the club wins the cup.",
        ),
        (
            "Coach sacked after five league defeats",
            "The football club sacked its coach after the team lost five league matches. The players will train "
            "under an interim manager, and the club's fans hope a new striker brings goals.",
        ),
        (
            "Goalkeeper saves two penalties in the cup shootout",
            "The goalkeeper saved two penalties as the football team won a cup shootout after a match without a "
            "goal. The coach praised the players; the league leaders now face the club's rivals.",
        ),
        (
            "Young midfielder scores on his league debut",
            "The midfielder scored a goal on his debut, helping the football team win the league match. The "
            "coach said the club has high hopes for the player, and the fans sang for the striker too.",
        ),
    ],
}


def article(topic: str, n: int) -> tuple[str, str, str]:
    title, text = ARTICLES[topic][n]
    return f"https://{topic}.example/{n}", title, text


def item(topic: str, n: int, channel: str = "CPUB", private: bool = False, days: int = 0) -> RelatedItem:
    url, title, text = article(topic, n)
    return RelatedItem(team_id=TEAM, canonical_url=url, title=title, summary=text, text=text,
                       domain=f"{topic}.example", channel_id=channel, channel_is_private=private,
                       shared_at=DAY0 + timedelta(days=days))  # fmt: skip


def query(topic: str, n: int, channel: str = "CPUB", **extra: object) -> RelatedQuery:
    url, title, text = article(topic, n)
    return RelatedQuery(team_id=TEAM, channel_id=channel, canonical_url=url, title=title, text=text, **extra)


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[redis.asyncio.Redis]:
    client = redis.asyncio.Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def prefix(client: redis.asyncio.Redis) -> AsyncIterator[str]:
    prefix = f"test:related:{uuid.uuid4().hex}:"
    yield prefix
    async for key in client.scan_iter(match=f"{prefix}*"):
        await client.delete(key)


@pytest.fixture
async def index(client: redis.asyncio.Redis, prefix: str) -> RelatedIndex:
    """An index holding all fifteen articles, shared in one public channel."""
    index = RelatedIndex(client, Keys(prefix))
    for topic in ARTICLES:
        for n in range(1, 5):
            await index.add(item(topic, n))
    return index


@pytest.mark.parametrize("topic", list(ARTICLES))
async def test_related_articles_are_on_the_query_topic(index: RelatedIndex, topic: str) -> None:
    hits = await index.related(query(topic, 0), k=3)
    assert hits
    assert all(h.domain == f"{topic}.example" for h in hits)
    assert hits == sorted(hits, key=lambda h: -h.score)


async def test_an_unrelated_query_shows_nothing(index: RelatedIndex) -> None:
    unrelated = RelatedQuery(team_id=TEAM, channel_id="CPUB", canonical_url="https://tax.example/1",
                             title="Changes to the income tax filing deadline",
                             text="Taxpayers who file late returns owe interest and penalties to the revenue "
                                  "agency, and accountants advise keeping receipts for deductions.")  # fmt: skip
    assert await index.related(unrelated) == []


async def test_never_the_same_url_nor_one_listed_twice(index: RelatedIndex) -> None:
    hits = await index.related(query("space", 1), k=5)
    urls = [h.canonical_url for h in hits]
    assert article("space", 1)[0] not in urls
    assert len(urls) == len(set(urls))


async def test_exclude_urls_are_not_shown(index: RelatedIndex) -> None:
    seen = [h.canonical_url for h in await index.related(query("cooking", 0), k=2)]
    hits = await index.related(query("cooking", 0, exclude_urls=seen))
    assert seen and not {h.canonical_url for h in hits} & set(seen)


async def test_a_near_duplicate_of_the_query_or_of_a_hit_is_the_same_story(index: RelatedIndex) -> None:
    url, title, text = article("space", 2)
    copy = item("space", 2).model_copy(update={"canonical_url": "https://mirror.example/rocket",
                                               "text": text + " Reporting by wire staff."})  # fmt: skip
    await index.add(copy)
    third_site = query("space", 2).model_copy(update={"canonical_url": "https://third.example/rocket-story"})
    hits = await index.related(third_site)
    assert not {h.canonical_url for h in hits} & {url, copy.canonical_url}
    # a query on the topic shows the story once, not its copy as well
    stories = [h.title for h in await index.related(query("space", 3))]
    assert stories.count(title) == 1


async def test_a_lightly_edited_copy_under_the_same_title_is_the_same_story(index: RelatedIndex) -> None:
    _, title, text = article("space", 2)
    edited = text.replace("four astronauts", "three astronauts and a pilot").replace("run experiments", "run tests")
    edited += " The launch was delayed twice by weather."
    # not a near duplicate by its text alone: the shared title and the shared text together make it one story
    assert textvec.sketch_jaccard(textvec.shingle_sketch(text), textvec.shingle_sketch(edited)) < SAME_STORY_SKETCH
    await index.add(item("space", 2).model_copy(update={"canonical_url": "https://mirror.example/rocket",
                                                        "text": edited}))  # fmt: skip
    stories = [h.title for h in await index.related(query("space", 3))]
    assert stories.count(title) == 1
    hits = await index.related(query("space", 2))
    assert "https://mirror.example/rocket" not in {h.canonical_url for h in hits}


async def test_an_article_that_only_shares_a_title_is_shown(index: RelatedIndex) -> None:
    follow_up = item("space", 2).model_copy(update={
        "canonical_url": "https://space.example/docked",
        "text": "A day after the launch the capsule docked with the station. Once the hatch opened, the new crew "
                "greeted the astronauts who had spent six months in orbit, unpacked food, water and spare parts, "
                "and checked the air on board. Mission control says the first spacewalk, to replace a battery on "
                "the station's solar array, is planned for next week, and the returning crew will land in the "
                "desert after a few days of handover.",
    })  # fmt: skip
    await index.add(follow_up)
    shown = {h.canonical_url for h in await index.related(query("space", 2))}
    assert "https://space.example/docked" in shown  # a follow-up under the same headline is another article


async def test_a_private_channel_item_stays_in_its_channel(client: redis.asyncio.Redis, prefix: str) -> None:
    index = RelatedIndex(client, Keys(prefix))
    await index.add(item("football", 4, channel="GSECRET", private=True))
    await index.add(item("football", 1, channel="CPUB"))
    elsewhere = {h.canonical_url for h in await index.related(query("football", 2, channel="COTHER"))}
    inside = {h.canonical_url for h in await index.related(query("football", 2, channel="GSECRET"))}
    assert elsewhere == {article("football", 1)[0]}
    assert inside == {article("football", 4)[0], article("football", 1)[0]}


async def test_one_url_in_two_channels_counts_once(client: redis.asyncio.Redis, prefix: str) -> None:
    index = RelatedIndex(client, Keys(prefix))
    await index.add(item("cooking", 4, channel="GSECRET", private=True, days=3))
    await index.add(item("cooking", 4, channel="CPUB", days=5))
    await index.add(item("cooking", 2, channel="CPUB", days=4))
    hits = await index.ranking(query("cooking", 0, channel="CANY"))  # every candidate it may see, shown or not
    assert sorted(h.canonical_url for h in hits) == [article("cooking", n)[0] for n in (2, 4)]
    first = next(h for h in hits if h.canonical_url == article("cooking", 4)[0])
    assert first.shared_at == DAY0 + timedelta(days=5)  # its first share where CANY may see it: the public one


async def test_a_reader_sees_the_first_share_only_among_the_shares_it_may_see(
    client: redis.asyncio.Redis, prefix: str
) -> None:
    writer, reader = RelatedIndex(client, Keys(prefix)), RelatedIndex(client, Keys(prefix))  # a replica reads
    await writer.add(item("cooking", 2, channel="CPUB", days=20))
    await writer.add(item("cooking", 4, channel="GSECRET", private=True, days=3))
    await reader.ranking(query("cooking", 2, channel="GSECRET"))  # the reader's index then takes the re-shares
    await writer.add(item("cooking", 4, channel="GOTHER", private=True, days=9))
    await writer.add(item("cooking", 4, channel="CPUB", days=15))
    await writer.add(item("cooking", 4, channel="CLATER", days=17))

    async def first_share(index: RelatedIndex, channel: str) -> datetime:
        hits = await index.ranking(query("cooking", 2, channel=channel))
        return next(h.shared_at for h in hits if h.canonical_url == article("cooking", 4)[0])

    for index in (writer, reader):
        assert await first_share(index, "COTHER") == DAY0 + timedelta(days=15)  # no private channel's date shows
        assert await first_share(index, "GOTHER") == DAY0 + timedelta(days=9)  # its own, not GSECRET's day 3
        assert await first_share(index, "GSECRET") == DAY0 + timedelta(days=3)


async def test_another_replica_sees_what_the_first_added(client: redis.asyncio.Redis, prefix: str) -> None:
    first, second = RelatedIndex(client, Keys(prefix)), RelatedIndex(client, Keys(prefix))
    await first.add(item("space", 4))
    assert [h.canonical_url for h in await second.related(query("space", 1))] == [article("space", 4)[0]]
    await first.add(item("space", 0))  # after the second replica built its index: it tails the log
    await first.add(item("space", 3, channel="GSECRET", private=True))
    later = {h.canonical_url for h in await second.ranking(query("space", 1))}  # shown or not
    assert later == {article("space", n)[0] for n in (0, 4)}


async def test_hit_fields(index: RelatedIndex) -> None:
    hit = (await index.related(query("football", 0), k=1))[0]
    _, title, text = article("football", int(hit.canonical_url.rsplit("/", 1)[1]))
    assert (hit.title, hit.domain, hit.one_line, hit.shared_at) == (title, "football.example", one_line(text), DAY0)
    assert 0 < hit.score <= 1 + NEIGHBOURS * NEIGHBOUR_BONUS  # a cosine, plus neighbourhood agreement


async def test_a_record_keeps_the_neighbours_it_ranked_best(index: RelatedIndex, client: redis.asyncio.Redis) -> None:
    """Each record keeps the short ids of the articles it ranked best when it was added: the last football
    article, the three earlier football ones first; the first article added had nothing to rank."""
    first, last = [
        Doc.decode(await client.get(index.item_key(TEAM, article(topic, n)[0]))).neighbours
        for topic, n in (("space", 1), ("football", 4))
    ]
    assert first == b""
    assert len(last) == 4 * 10
    assert {last[at : at + 4] for at in (0, 4, 8)} == {doc_id(article("football", n)[0])[:4] for n in (1, 2, 3)}


async def test_a_private_channels_articles_never_choose_a_records_neighbours(
    client: redis.asyncio.Redis, prefix: str
) -> None:
    """A record's neighbour list serves every channel its article is later shared to, so it is ranked among public
    articles only, even for an article shared in a private channel right after a lookup there."""
    index = RelatedIndex(client, Keys(prefix))
    for n in (1, 2, 3):
        await index.add(item("football", n, channel="GSECRET", private=True))
    for topic in ("space", "cooking"):
        await index.add(item(topic, 1))
    new = item("football", 4, channel="GSECRET", private=True).model_copy(update={"language": "en"})
    await index.related(query("football", 4, channel="GSECRET", language="en", exclude_urls=[new.canonical_url]))
    await index.add(new)
    stored = Doc.decode(await client.get(index.item_key(TEAM, new.canonical_url))).neighbours
    short_ids = {stored[at : at + 4] for at in range(0, len(stored), 4)}
    assert short_ids == {doc_id(article(topic, 1)[0])[:4] for topic in ("space", "cooking")}


async def test_an_add_reuses_its_cards_lookup_while_the_index_is_unchanged(
    index: RelatedIndex, client: redis.asyncio.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A card looks a new article up, then adds it: the add keeps the lookup's neighbours instead of ranking the
    article again, unless an article came in between."""
    ranked: list[object] = []
    rank = TeamIndex.rank
    monkeypatch.setattr(TeamIndex, "rank", lambda team, *args: ranked.append(args) or rank(team, *args))

    async def look_up_then_add(topic: str, before_add: RelatedItem | None = None) -> bytes:
        new = item(topic, 0).model_copy(update={"language": "en"})
        await index.related(query(topic, 0, language="en", exclude_urls=[new.canonical_url]))
        if before_add:
            await index.add(before_add)
        ranked.clear()
        await index.add(new)
        return Doc.decode(await client.get(index.item_key(TEAM, new.canonical_url))).neighbours

    assert len(await look_up_then_add("space")) == 4 * 10 and ranked == []
    assert len(await look_up_then_add("cooking", before_add=item("football", 0))) == 4 * 10 and ranked


def test_candidates_whose_stored_neighbours_are_candidates_too_rank_higher() -> None:
    """Shared nearest neighbours: a candidate gains NEIGHBOUR_BONUS per stored neighbour that the query found too;
    a neighbour the query did not find (another topic's, or a private channel's the reader may not see) counts
    for nothing."""
    team = TeamIndex()
    hashes = [doc_id(f"https://example.test/{n}") for n in range(4)]
    stored = [b"", hashes[3][:4], hashes[0][:4] + hashes[1][:4], b""]
    for h, neighbours in zip(hashes, stored, strict=True):
        team.apply(h, Doc(h.hex(), "", "", "", 0.0, {"CPUB": False}, b"", (), neighbours))
    ids, agreed, agreement = team.by_agreement(np.array([0, 1, 2]), np.array([0.30, 0.29, 0.28, 0.5]))
    assert ids.tolist() == [2, 0, 1]
    assert agreement.tolist() == [2, 0, 0]
    assert agreed[:3].tolist() == pytest.approx([0.30, 0.29, 0.28 + 2 * NEIGHBOUR_BONUS])


async def test_a_card_shows_the_likeliest_candidate_from_show_first_and_others_from_show_other(
    index: RelatedIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a card shows follows each candidate's chance of being on topic, not a cosine: the likeliest from
    SHOW_FIRST, any other only from the stricter SHOW_OTHER (SHOW_SURE, a cosine past which anything shows, is
    out of reach here)."""
    monkeypatch.setattr("bot.memory.related.show.SHOW_SURE", 1.0)
    ranked = [h.canonical_url for h in await index.ranking(query("space", 3))]
    chances = {ranked[0]: SHOW_FIRST + 0.02, ranked[1]: SHOW_FIRST + 0.01}

    def on_topic(team: TeamIndex, first: FirstPass, ids: np.ndarray, *_: object) -> np.ndarray:
        return np.array([chances.get(team.docs[i].url, 0.0) for i in ids.tolist()])

    async def shown() -> list[str]:
        return [h.canonical_url for h in await index.related(query("space", 3))]

    monkeypatch.setattr(TeamIndex, "on_topic", on_topic)
    assert await shown() == [ranked[0]]  # the runner-up is not the likeliest: it needs SHOW_OTHER
    chances.update({ranked[0]: SHOW_FIRST - 0.01, ranked[1]: SHOW_FIRST - 0.02})
    assert await shown() == []
    chances.update({ranked[0]: 0.99, ranked[1]: SHOW_OTHER - 0.01, ranked[2]: SHOW_OTHER})
    assert await shown() == [ranked[0], ranked[2]]


async def test_a_card_chooses_among_its_k_best_candidates_as_the_corpus_ranking_reports_them(
    index: RelatedIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A card, `digestbot related --corpus` and the bench judge the same k candidates with the same rule: one ranked
    below k is never shown, and the likeliest is picked among the k (not among all candidates)."""
    monkeypatch.setattr("bot.memory.related.show.SHOW_SURE", 1.0)
    ranked = [h.canonical_url for h in await index.ranking(query("space", 3))]
    chances = {ranked[0]: SHOW_FIRST + 0.01, ranked[3]: 0.99}

    def on_topic(team: TeamIndex, first: FirstPass, ids: np.ndarray, *_: object) -> np.ndarray:
        return np.array([chances.get(team.docs[i].url, 0.0) for i in ids.tolist()])

    monkeypatch.setattr(TeamIndex, "on_topic", on_topic)
    shown = [h.canonical_url for h in await index.related(query("space", 3), k=3)]
    reported = [h.canonical_url for h in await index.ranking(query("space", 3), k=3) if h.shown]
    assert shown == reported == [ranked[0]]
    assert [h.canonical_url for h in await index.related(query("space", 3), k=4)] == [ranked[3]]


def test_the_show_rule_skips_the_querys_own_story_and_repeats_and_shows_sure_matches() -> None:
    """The query's own story is never shown nor the likeliest; a cosine from SHOW_SURE shows whatever its chance;
    a story shown before is not shown again."""
    one_story = {(1, 3)}  # places 1 and 3 are one story
    shortlist = Shortlist([0.5, 0.1, 0.05, 0.1], [True, False, False, False], lambda a, b: (a, b) in one_story)
    between = (SHOW_FIRST + SHOW_OTHER) / 2
    assert shortlist.shown([0.99, between, 0.0, 0.0]) == [False, True, False, False]  # the likeliest, sans place 0
    assert shortlist.shown([0.0, SHOW_OTHER, 0.0, SHOW_OTHER]) == [False, True, False, False]  # 3 repeats 1
    assert shortlist.shown([0.0, 0.0, 0.0, SHOW_OTHER]) == [False, False, False, True]  # 1 is not shown
    sure = Shortlist([0.1, SHOW_SURE], [False, False], lambda a, b: False)
    assert sure.shown([SHOW_FIRST, 0.0]) == [True, True]
    assert shortlist.above(0.08) == [False, True, False, False]


async def test_the_index_size_a_card_is_judged_by_counts_only_what_its_reader_may_see(
    index: RelatedIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bigger index makes the same cosine more likely on topic, so a private channel's articles must not count
    for other channels' cards (they would make them show more)."""
    sizes: list[int] = []
    real = TeamIndex.on_topic

    def spying(team: TeamIndex, *args: Any) -> np.ndarray:
        sizes.append(args[-1])
        return real(team, *args)

    monkeypatch.setattr(TeamIndex, "on_topic", spying)
    await index.related(query("space", 3))
    for n in range(1, 6):
        secret = item("cooking", 1, channel="GSECRET", private=True)
        await index.add(secret.model_copy(update={"canonical_url": f"https://secret.example/{n}"}))
    await index.related(query("space", 3))
    await index.related(query("space", 3, channel="GSECRET"))
    assert sizes[1] == sizes[0] and sizes[2] == sizes[0] + 5


def test_the_chance_of_being_on_topic_grows_with_the_cosine_and_the_index_within_the_sizes_fitted() -> None:
    """The same cosine is stronger evidence in a bigger index (the query's topic more likely has another article
    in it), up to the largest size the model was fitted on; a smaller index than the smallest counts as that."""
    terms = {t: 1.0 for t in textvec.term_weights("", "rocket launch orbit crew station")}
    signature = textvec.pack_terms(terms, len(terms))
    query = FirstPass(terms, np.zeros(0))

    def chances(size: int, cosines: list[float]) -> list[float]:
        team = TeamIndex(docs=[Doc("", "", "", "", 0.0, {}, signature, ())] * size, short_ids=bytearray(4 * size))
        ids, direct = np.arange(len(cosines)), np.array(cosines)
        return team.on_topic(query, ids, np.zeros(len(ids)), direct, direct, max(cosines), size).tolist()

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy warns "overflow encountered in exp" on an extreme signal
        assert 0.0 <= min(chances(100, [0.9, 1e-6, 0.0])) <= max(chances(100, [0.9, 1e-6, 0.0])) <= 1.0
        ids, direct = np.arange(2), np.array([0.9, 0.5])
        team = TeamIndex(docs=[Doc("", "", "", "", 0.0, {}, signature, ())] * 2, short_ids=bytearray(8))
        weaker = team.on_topic(query, ids, np.zeros(2), direct, direct, 1e-6, 2)  # the best other one is far weaker
        assert weaker.min() >= 0.0
    weak, strong = chances(100, [0.1, 0.2])
    assert weak < strong
    assert chances(10, [0.1, 0.2]) == chances(30, [0.1, 0.2]) < chances(100, [0.1, 0.2])
    assert chances(100, [0.1, 0.2]) < chances(1000, [0.1, 0.2]) == chances(100_000, [0.1, 0.2])


def test_a_record_keeps_each_private_channels_first_share_and_reads_older_ones_without() -> None:
    doc = Doc("https://a.example/1", "Title", "Line", "a.example", 1.5e9, {"C1": False, "G2": True},
              b"\x01\x02\x03\x04", (7, 9), b"abcdefgh", {"G2": 1.5e9 - 60 * 36**3})  # fmt: skip
    assert Doc.decode(doc.encode()) == doc
    assert (doc.first_seen_by("C9"), doc.first_seen_by("G2")) == (1.5e9, 1.5e9 - 60 * 36**3)
    format_2 = doc.encode().replace(b"!G2@-1000", b"!G2")  # its time: minutes from the first share, base 36
    format_2 = bytes([2]) + format_2[1:]
    assert Doc.decode(format_2) == Doc(**{**doc.__dict__, "private_since": {}})


def test_a_record_without_private_first_shares_is_format_2_which_the_earlier_release_reads() -> None:
    doc = Doc("https://a.example/1", "Title", "Line", "a.example", 1.5e9, {"C1": False, "C3": False},
              b"\x01\x02\x03\x04", (7, 9), b"abcdefgh")  # fmt: skip
    assert doc.encode()[0] == 2 and Doc.decode(doc.encode()) == doc
    doc.add_share("G2", True, 1.5e9 + 60 * 1000)  # to the minute: as it is kept
    assert doc.encode()[0] == 3 and Doc.decode(doc.encode()) == doc


def test_a_private_channels_first_share_costs_a_few_bytes_of_its_record() -> None:
    doc = Doc("https://a.example/1", "Title", "Line", "a.example", 1.5e9, {"C1": False},
              b"\x01\x02\x03\x04", (7, 9), b"abcdefgh")  # fmt: skip
    public_only = len(doc.encode())
    doc.add_share("G0123456789", True, 1.5e9 + 3 * 365 * 24 * 3600)  # an 11-character id, three years later
    assert len(doc.encode()) - public_only <= 19  # record.py: what a private channel adds, at most
    assert Doc.decode(doc.encode()) == doc


def test_a_record_from_before_neighbours_reads_as_having_none() -> None:
    doc = Doc("https://a.example/1", "Title", "Line", "a.example", 1.5, {"C1": False, "G2": True},
              b"\x01\x02\x03\x04", (7, 9), b"abcdefgh")  # fmt: skip
    assert Doc.decode(doc.encode()) == doc
    text = "\x1f".join([doc.url, doc.title, doc.one_line, doc.domain, "C1 !G2"]).encode()
    before = struct.pack("<BdBB", 1, 1.5, 1, 2) + doc.signature + struct.pack("<2I", 7, 9) + text
    assert Doc.decode(before) == Doc(**{**doc.__dict__, "neighbours": b""})


def test_one_line_is_cut_at_a_word_boundary() -> None:
    summary = "Scientists found clay minerals in the crater, showing that an ancient lake once filled it " * 3
    line = one_line(summary)
    assert len(line) <= 141 and line.endswith("…")
    assert summary.startswith(line[:-1]) and not summary[len(line) - 1].isalnum()
    assert one_line("  Short\n summary. ") == "Short summary."


# Two German articles on new bike lanes, one on baking bread, one on football.
GERMAN = {
    "rad1": ("Die Stadt baut neue Radwege in der Innenstadt",
             "Der Stadtrat hat am Dienstag beschlossen, dass in der Innenstadt geschützte Radwege gebaut werden. Die "
             "Radfahrer sollen mit Bordsteinen vom Autoverkehr getrennt werden, und an sechs Kreuzungen kommen "
             "eigene Ampeln für Fahrräder. Die Geschäfte fürchten, dass Parkplätze wegfallen, aber Studien aus "
             "anderen Städten zeigen, dass Radwege mehr Kunden bringen."),
    "brot": ("Wie man zu Hause Sauerteigbrot backt",
             "Für ein gutes Brot braucht man Mehl, Wasser, Salz und einen aktiven Sauerteig. Der Teig ruht über "
             "Nacht im Kühlschrank, dann wird er im heißen Ofen gebacken. Wer das Brot im geschlossenen Topf "
             "backt, bekommt eine knusprige Kruste, und mit Butter schmeckt es am besten."),
    "rad2": ("Mehr Radfahrer auf den neuen Radwegen",
             "Seit die Stadt die geschützten Radwege eröffnet hat, fahren doppelt so viele Radfahrer durch die "
             "Innenstadt. Die Polizei meldet weniger Unfälle an den Kreuzungen, weil die Fahrräder eigene Ampeln "
             "haben und die Autos getrennt fahren. Auch die Geschäfte an der Straße haben mehr Kunden als vorher."),
    "fussball": ("Später Treffer bringt den Verein ins Pokalfinale",
                 "Der Stürmer hat in der letzten Minute ein Tor geschossen, und der Verein hat damit das Halbfinale "
                 "gegen den Rivalen gewonnen. Der Trainer lobte die Spieler, die Fans feierten den Sieg bis in die "
                 "Nacht. Im Finale trifft die Mannschaft auf den Tabellenführer der Liga."),
}  # fmt: skip


async def test_an_article_is_analysed_in_its_own_language(client: redis.asyncio.Redis, prefix: str) -> None:
    """German stems and stop words: the bike-lane articles meet on "Radweg", and the football one shares nothing
    with the others (analysed as English, "der", "die", "und" made it about as close as the threshold)."""
    index = RelatedIndex(client, Keys(prefix))
    for key in ("rad1", "brot"):
        title, text = GERMAN[key]
        await index.add(RelatedItem(team_id=TEAM, canonical_url=key, title=title, text=text, channel_id="CPUB",
                                    shared_at=DAY0, language="de"))  # fmt: skip

    def german(key: str) -> RelatedQuery:
        return RelatedQuery(team_id=TEAM, channel_id="CPUB", canonical_url=key, title=GERMAN[key][0],
                            text=GERMAN[key][1], language="de-DE")  # fmt: skip

    assert [h.canonical_url for h in await index.related(german("rad2"))] == ["rad1"]
    assert max(h.similarity for h in await index.ranking(german("fussball"))) < 0.05
    assert await client.hget(index.keys.related(TEAM, "df"), "l:de") == b"2"  # a replica loading it meets German


async def test_a_search_is_analysed_in_the_workspace_languages(redis_url: str, prefix: str, tmp_path: Path) -> None:
    """`/digest search` through the service: the German article is found by an inflected German word
    ("Radwegen": German stem "radweg", English none), English searches still find English articles."""
    settings = Settings.model_validate({"REDIS_URL": redis_url, "DIGESTBOT_REDIS_PREFIX": prefix,
                                        "DIGESTBOT_DATA_DIR": tmp_path})  # fmt: skip
    service = DigestService.open(settings)
    try:
        shares = [(f"https://de.example/{key}", *GERMAN[key], "de") for key in ("rad1", "brot", "fussball")]
        shares += [(*article(topic, n), "en") for topic in ARTICLES for n in range(3)]
        for url, title, text, language in shares:
            digest = Digest(source=url, url=url, canonical_url=url, title=title, text=text, language=language)
            share = Share(team_id=TEAM, channel_id="CPUB", channel_is_private=False, canonical_url=url,
                          user_id="U1", ts="1.000100", title=title, shared_at=DAY0)  # fmt: skip
            await service.remember(share, digest)
        found = [h.canonical_url for h in await service.search("Radwegen", TEAM, "CPUB")]
        assert found == ["https://de.example/rad1"]
        found = [h.canonical_url for h in await service.search("Fahrrädern an Kreuzungen", TEAM, "CPUB")]
        assert found[:1] == ["https://de.example/rad1"]
        assert {h.domain for h in await service.search("telescopes", TEAM, "CPUB")} == {"space.example"}
    finally:
        await service.close()


async def test_a_language_s_lists_are_read_off_the_event_loop(
    client: redis.asyncio.Redis, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process meeting a language reads wordfreq's lists for it (0.3-0.5 s): in a thread, not on the loop that
    waits for every other job's Redis replies. Adding, looking up and a replica's first load each meet German anew."""
    textvec.use_language(textvec.ENGLISH)  # as bot.service.warm_up() loads it before any job
    loop_thread = threading.get_ident()
    readers: list[int] = []
    for name in ("top_n_list", "get_frequency_dict"):
        read = getattr(textvec.wordfreq, name)
        monkeypatch.setattr(textvec.wordfreq, name, lambda *a, read=read, **k: readers.append(threading.get_ident())
                            or read(*a, **k))  # fmt: skip

    def forget_german() -> None:  # as a fresh process would be, the rest of the process's state kept
        monkeypatch.setattr(textvec, "_languages", textvec._languages - {"de"})
        textvec._analyzer.cache_clear()

    title, text = GERMAN["rad1"]
    item = RelatedItem(team_id=TEAM, canonical_url="rad1", title=title, text=text, channel_id="CPUB",
                       shared_at=DAY0, language="de")  # fmt: skip
    forget_german()
    await RelatedIndex(client, Keys(prefix)).add(item)
    forget_german()
    query = RelatedQuery(team_id=TEAM, channel_id="CPUB", canonical_url="rad2", title=GERMAN["rad2"][0],
                         text=GERMAN["rad2"][1], language="de")  # fmt: skip
    assert [h.canonical_url for h in await RelatedIndex(client, Keys(prefix)).ranking(query)] == ["rad1"]
    assert readers and loop_thread not in readers
    assert textvec.language_used("de")


async def test_an_add_while_a_new_language_is_read_leaves_the_lookup_whole(
    client: redis.asyncio.Redis, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lookup in a language the process meets for the first time waits for its lists in a thread; an article added
    meanwhile must not leave the lookup with an index of another size than it started with."""
    index = RelatedIndex(client, Keys(prefix))
    for n, (title, text) in enumerate(ARTICLES["space"]):
        await index.add(RelatedItem(team_id=TEAM, canonical_url=f"space{n}", title=title, text=text,
                                    channel_id="CPUB", shared_at=DAY0, language="en"))  # fmt: skip
    monkeypatch.setattr(textvec, "_languages", textvec._languages - {"de"})
    reading, added = threading.Event(), asyncio.Event()
    read = textvec.language_shares

    def slow_read(language: str) -> dict[int, float]:
        reading.set()
        asyncio.run_coroutine_threadsafe(added.wait(), loop).result()  # the add lands while the lists are read
        return read(language)

    monkeypatch.setattr(textvec, "language_shares", slow_read)
    loop = asyncio.get_running_loop()

    async def add_meanwhile() -> None:
        await asyncio.to_thread(reading.wait)
        title, text = ARTICLES["cooking"][0]
        await index.add(RelatedItem(team_id=TEAM, canonical_url="late", title=title, text=text, channel_id="CPUB",
                                    shared_at=DAY0, language="en"))  # fmt: skip
        added.set()

    query = RelatedQuery(team_id=TEAM, channel_id="CPUB", canonical_url="rad2", title=GERMAN["rad2"][0],
                         text=GERMAN["rad2"][1], language="de")  # fmt: skip
    hits, _ = await asyncio.gather(index.ranking(query), add_meanwhile())
    assert {h.canonical_url for h in hits} <= {f"space{n}" for n in range(5)} | {"late"}
