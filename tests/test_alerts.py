"""What a desk sees in Slack, end to end over loopback feeds: real feeds and article pages on
127.0.0.1, real extraction and detection, a fresh SQLite store, slack-sdk against the Slack
stand-in — asserting the exact Slack calls.

Covered: two boycotts of two different meetings of one organisation published months apart
(two alerts), one event from three outlets in two languages (one alert, two replies), an old
article on a first poll (stored and reported, not alerted), and an article reporting three
developments (three messages, each saying which of the three it is)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape as html_escape
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from newswatch.config import parse_sources
from newswatch.delivery import deliver_pending
from newswatch.developments import record_articles
from newswatch.fetch import Fetcher, FetchLimits
from newswatch.pipeline import analyse_pages, poll_source
from newswatch.report import build_summary, render
from newswatch.sinks import SlackSink
from newswatch.store import ArticleRow, DetectionRow, Store
from tests.fixtures.hostile_site import RecordingServer, send

NOW = datetime.now(UTC)


@dataclass(frozen=True)
class Story:
    outlet: str  # one feed per outlet
    slug: str
    title: str
    paragraphs: tuple[str, ...]
    published: datetime
    lang: str = "en"


# Written for these tests (facts plausible, wording our own).
ALMATY = Story(
    "Steppe Dispatch",
    "almaty-ministers",
    "Armenian minister stays away from bloc's foreign ministers in Almaty",
    (
        "ALMATY — Armenia's foreign minister Ararat Mirzoyan will not attend the meeting of "
        "the CSTO Council of Foreign Ministers in Almaty this week, his spokeswoman told "
        "reporters on Monday.",
        "She said Yerevan saw no point in sitting at the table while the bloc ignored its "
        "security concerns. The other ministers are expected to discuss the bloc's budget.",
    ),
    NOW - timedelta(days=170),
)
MINSK = Story(
    "Caucasus Ledger",
    "minsk-summit",
    "Pashinyan to skip CSTO summit in Minsk",
    (
        "YEREVAN — Prime Minister Nikol Pashinyan will not travel to Minsk for the CSTO summit "
        "next week, his office said on Tuesday.",
        "The government gave no further details, but officials have repeatedly criticised the "
        "alliance for failing to respond to attacks on Armenian territory.",
    ),
    NOW - timedelta(hours=3),
)
KYRGYZ = (
    Story(
        "Steppe Dispatch",
        "japarov-moscow",
        "Japarov will not go to Moscow for Eurasian summit",
        (
            "BISHKEK — Kyrgyzstan's president Sadyr Japarov will not attend the Eurasian "
            "Economic Union summit in Moscow this week, his press office said on Friday, citing "
            "a row over checks on Kyrgyz lorries at the border.",
            "A deputy prime minister will lead the delegation instead. Officials in Moscow "
            "declined to comment.",
        ),
        NOW - timedelta(hours=6),
    ),
    Story(
        "Caucasus Ledger",
        "kyrgyz-snub",
        "Kyrgyz leader snubs Moscow gathering of Eurasian bloc",
        (
            "Sadyr Japarov, the president of Kyrgyzstan, is staying away from the EAEU summit in "
            "Moscow, according to his office, which blamed weeks of border delays for Kyrgyz "
            "freight.",
            "Analysts in Bishkek called the decision a rare public rebuke of the Kremlin. The "
            "bloc's leaders meet on Thursday.",
        ),
        NOW - timedelta(hours=5),
    ),
    Story(
        "Vostok Wire",
        "zhaparov-eaes",
        "Жапаров не поедет на саммит ЕАЭС в Москве",
        (
            "Президент Киргизии Садыр Жапаров не примет участия в саммите ЕАЭС в Москве, "
            "сообщила его пресс-служба в пятницу.",
            "Причиной названы проверки киргизских грузовиков на границе. Делегацию возглавит "
            "вице-премьер.",
        ),
        NOW - timedelta(hours=4),
        lang="ru",
    ),
)
OLD = Story(
    "Steppe Dispatch",
    "rahmon-minsk",
    "Tajik leader to skip CIS summit in Minsk",
    (
        "DUSHANBE — Tajikistan's president Emomali Rahmon will not attend the CIS summit in "
        "Minsk, his office said on Monday, in protest at the treatment of Tajik migrants.",
        "The foreign minister will represent the country at the gathering.",
    ),
    NOW - timedelta(days=5),
)
THREE = Story(
    "Caucasus Ledger",
    "yerevan-turns",
    "Yerevan turns its back on Minsk",
    (
        "YEREVAN — Armenia recalled its ambassador from Belarus on Wednesday after the "
        "Belarusian leader praised the offensive in Karabakh. The foreign ministry said the "
        "envoy had been summoned home for consultations.",
        "Separately, Prime Minister Nikol Pashinyan warned that Armenia could leave the CSTO if "
        "the bloc kept silent about the attacks.",
        "According to a report by an investigative outlet, Belarus has supplied artillery "
        "shells and drones to Azerbaijan over the past year.",
    ),
    NOW - timedelta(hours=2),
)


class NewsWorld(RecordingServer):
    """One RSS feed per outlet and one HTML page per story, on 127.0.0.1."""

    def __init__(self, stories: tuple[Story, ...]):
        self.stories = stories
        super().__init__()
        for outlet in {s.outlet for s in stories}:
            self.routes[f"/{_slug(outlet)}.xml"] = self._feed(outlet)
        for story in stories:
            self.routes[f"/{_slug(story.outlet)}/{story.slug}"] = self._page(story)

    def _feed(self, outlet: str) -> Any:
        def handler(h: Any) -> None:
            items = "".join(
                f"<item><title>{html_escape(s.title)}</title>"
                f"<link>{self.url(f'/{_slug(outlet)}/{s.slug}')}</link>"
                f"<pubDate>{format_datetime(s.published)}</pubDate>"
                f"<description>{html_escape(s.paragraphs[0][:80])}</description></item>"
                for s in self.stories
                if s.outlet == outlet
            )
            body = (
                '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>{outlet}</title><link>{self.base_url}</link>{items}</channel></rss>"
            )
            send(h, body.encode())

        return handler

    def _page(self, story: Story) -> Any:
        def handler(h: Any) -> None:
            paragraphs = "".join(f"<p>{html_escape(p)}</p>" for p in story.paragraphs)
            body = (
                f'<!DOCTYPE html><html lang="{story.lang}"><head><meta charset="utf-8">'
                f"<title>{html_escape(story.title)}</title></head><body><nav>Home</nav>"
                f"<article><h1>{html_escape(story.title)}</h1>{paragraphs}</article>"
                "<footer>Share this post</footer></body></html>"
            )
            send(h, body.encode(), "text/html; charset=utf-8")

        return handler

    def sources_yaml(self, extra: str = "") -> str:
        lines = ["sources:"]
        for outlet in sorted({s.outlet for s in self.stories}):
            lines += [f'  - name: "{outlet}"', f"    url: {self.url(f'/{_slug(outlet)}.xml')}"]
        return "\n".join(lines) + "\nalerts:\n  channel: '#newswatch'\n" + extra


def _slug(name: str) -> str:
    return re.sub(r"\W+", "-", name.lower()).strip("-")


@dataclass
class Run:
    summary: dict[str, Any]
    store: Store


def first_poll(world: NewsWorld, slack: Any, tmp_path: Path, extra: str = "") -> Run:
    """One poll as the flow does it (feeds → pages → extract + detect → group → deliver),
    as plain functions on a fresh store."""
    config = parse_sources(world.sources_yaml(extra))
    store = Store(f"sqlite:///{tmp_path / 'newswatch.db'}")

    async def fetch_all() -> list:
        async with Fetcher(FetchLimits(retries=0)) as fetcher:
            return await asyncio.gather(
                *(
                    poll_source(
                        fetcher,
                        store,
                        source,
                        None,
                        run_id="t",
                        schedule_interval=timedelta(minutes=10),
                    )
                    for source in config.sources
                )
            )

    polled = asyncio.run(fetch_all())
    outcomes = [outcome for outcome, _ in polled]
    # One outlet after another, oldest first, as a feed reader would meet them.
    jobs = sorted(
        (job for _, jobs in polled for job in jobs), key=lambda j: j.item.published or NOW
    )
    analysed = analyse_pages(jobs, workers=1)
    grouping = record_articles(store, analysed, config, "#newswatch")
    sink = SlackSink(slack.state.token, base_url=slack.base_url)
    delivery = deliver_pending(store, sink, sleep=lambda _: None)
    summary = build_summary(store, outcomes, analysed, grouping, delivery, [])
    assert all(o.status == "ok" for o in outcomes), [o.error for o in outcomes]
    return Run(summary, store)


def _top_level(slack: Any) -> list[Any]:
    return [c for c in slack.state.calls_to("chat.postMessage") if not c.params.get("thread_ts")]


def _mrkdwn(blocks: list[dict[str, Any]]) -> str:
    texts = []
    for block in blocks:
        if block.get("text", {}).get("type") == "mrkdwn":
            texts.append(block["text"]["text"])
        texts += [e["text"] for e in block.get("elements", []) if e.get("type") == "mrkdwn"]
    return "\n".join(texts)


def test_two_boycotts_of_two_meetings_of_one_organisation_months_apart_are_two_alerts(
    slack, tmp_path
):
    # max_age off: what keeps them apart must be the grouping, not the age rule.
    with NewsWorld((ALMATY, MINSK)) as world:
        run = first_poll(world, slack, tmp_path, extra="  max_age: 0\n")
    top = _top_level(slack)
    assert len(top) == 2, [c.params["text"] for c in top]
    assert slack.state.calls_to("chat.update") == []
    assert all(not c.params.get("thread_ts") for c in slack.state.calls_to("chat.postMessage"))
    headers = sorted(c.params["blocks"][0]["text"]["text"] for c in top)
    assert headers[0].startswith(
        ":no_entry_sign: Summit boycott: Armenia and Ararat Mirzoyan → CSTO"
    )
    assert headers[1] == (
        ":no_entry_sign: Summit boycott: Armenia and Nikol Pashinyan → CSTO summit, Minsk"
    )
    assert len(run.summary["developments"]) == 2


def test_one_event_from_three_outlets_in_two_languages_is_one_alert_and_two_replies(
    slack, tmp_path
):
    with NewsWorld(KYRGYZ) as world:
        run = first_poll(world, slack, tmp_path)
    posts = slack.state.calls_to("chat.postMessage")
    [top] = [c for c in posts if not c.params.get("thread_ts")]
    replies = [c for c in posts if c.params.get("thread_ts")]
    assert [c.params["thread_ts"] for c in replies] == [slack.state.top_level()[0].ts] * 2
    assert len(slack.state.calls_to("chat.update")) == 2  # the source count, twice

    blocks = top.params["blocks"]
    header = blocks[0]["text"]["text"]
    assert header == (
        ":no_entry_sign: Summit boycott: Kyrgyzstan and Sadyr Japarov → EAEU summit, Moscow"
    )
    body = _mrkdwn(blocks)
    assert "Summit boycott: Kyrgyzstan" not in body  # the header is not repeated below it
    assert "Stage: threatened → *announced* → carried out" in body
    assert "*Stated reason:* a row over checks on Kyrgyz lorries at the border" in body
    quote = next(
        b["text"]["text"] for b in blocks if b.get("text", {}).get("text", "").startswith("> ")
    )
    assert quote.startswith("> BISHKEK — Kyrgyzstan's president Sadyr Japarov will not attend")
    assert KYRGYZ[0].title not in quote  # the proof is a body sentence, not the headline
    stamp = int(KYRGYZ[0].published.timestamp())
    assert (
        f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{KYRGYZ[0].published:%Y-%m-%d %H:%M} UTC>"
        in body
    )
    assert "rule `" not in blocks[1]["text"]["text"]  # the rule id is small print only
    assert re.search(r"why: rule `en\.[\w.]+`, confidence 0\.\d\d", body)

    # the parent's last update counts both further reports, with correct plurals
    last_update = slack.state.calls_to("chat.update")[-1].params
    updated = _mrkdwn(last_update["blocks"])
    assert "Reported by 3 sources (also Caucasus Ledger and Vostok Wire) · 3 reports" in updated
    # the Russian report says so
    russian = next(c for c in replies if "Vostok Wire" in c.params["text"])
    assert "in Russian" in _mrkdwn(russian.params["blocks"])
    assert [d["reports"] for d in run.summary["developments"]] == [3]


def test_a_five_day_old_article_on_a_first_poll_is_stored_and_reported_not_alerted(slack, tmp_path):
    with NewsWorld((OLD,)) as world:
        run = first_poll(world, slack, tmp_path)
    assert slack.state.calls_to("chat.postMessage") == []
    with run.store.session() as s:
        assert s.scalars(select(ArticleRow.title)).all() == [OLD.title]
        assert s.scalars(select(DetectionRow.role)).all() == ["held"]
    [held] = run.summary["held_back"]
    assert held["type"] == "summit_boycott" and held["title"] == OLD.title
    assert held["reason"].endswith("more than 3 days before this poll")
    page = render(run.summary)
    assert "**1** held back (too old)" in page
    assert (
        "## Held back" in page
        and "1 report stored, detected and grouped but **not alerted**" in page
    )
    assert "held back (too old)" in page.split("## Developments")[1]


def test_an_article_with_three_developments_is_three_messages_that_say_so(slack, tmp_path):
    with NewsWorld((THREE,)) as world:
        first_poll(world, slack, tmp_path)
    posts = slack.state.calls_to("chat.postMessage")
    assert len(posts) == 3 and all(not c.params.get("thread_ts") for c in posts)
    headers = [c.params["blocks"][0]["text"]["text"] for c in posts]
    assert headers == [
        ":broken_heart: Diplomatic rupture: Armenia ↔ Belarus",
        ":door: Withdrawal statement: Armenia → CSTO",
        ":rocket: Arms transfer: Belarus → Azerbaijan",
    ]
    notes = [_mrkdwn(c.params["blocks"]) for c in posts]
    assert (
        ":link: 1 of 3 developments in this article (also: withdrawal statement and arms transfer)"
        in notes[0]
    )
    assert (
        ":link: 2 of 3 developments in this article (also: diplomatic rupture and arms transfer)"
        in notes[1]
    )
    assert (
        ":link: 3 of 3 developments in this article (also: diplomatic rupture and withdrawal statement)"
        in notes[2]
    )
    # each its own proof sentence, each its own outbox id in Slack's metadata
    quotes = [next(b["text"]["text"] for b in c.params["blocks"][2:3]) for c in posts]
    assert len(set(quotes)) == 3
    assert "Stage: *threatened* → announced → carried out" in notes[1]
    ids = [c.params["metadata"]["event_payload"]["alert_id"] for c in posts]
    assert len(set(ids)) == 3
    assert all(c.params["metadata"]["event_type"] == "newswatch_alert" for c in posts)


@pytest.mark.parametrize(
    ("count", "word", "expected"),
    [(1, "source", "1 source"), (3, "source", "3 sources"), (0, "report", "0 reports")],
)
def test_plurals(count, word, expected):
    from newswatch.render import plural

    assert plural(count, word) == expected
