"""Grouping into developments and delivery through the loopback Slack: one top-level message
per development, thread replies and count updates for the rest, syndicated copies counted
without a reply, escalations as new top-level alerts that link the earlier one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from newswatch.config import parse_sources
from newswatch.delivery import deliver_pending
from newswatch.developments import (
    event_key,
    held_back_reason,
    publication_window,
    record_articles,
    same_development,
)
from newswatch.models import AnalysedArticle, EventType, Modality
from newswatch.store import ArticleRow, DetectionRow, Item, Store
from tests.builders import ROUTED_CONFIG, analysed, claim, detection, record


def test_three_reports_one_top_level_two_replies_and_count_updates(store, sink, slack):
    reports = [analysed(f"r{i}", detection(), source=f"Outlet {i}") for i in range(3)]
    grouping = record(store, *reports)
    assert len(set(grouping.new)) == 1 and len(grouping.updated) == 2

    delivery = deliver_pending(store, sink, sleep=lambda _: None)

    state = slack.state
    assert len(state.top_level()) == 1
    parent = state.top_level()[0]
    assert [m.text for m in state.replies(parent.ts)] == [
        "Also reported by Outlet 1: Headline r1 — https://outlet-1.example/r1",
        "Also reported by Outlet 2: Headline r2 — https://outlet-2.example/r2",
    ]
    assert parent.edits == 2
    context = " ".join(
        e["text"] for b in parent.blocks if b["type"] == "context" for e in b["elements"]
    )
    assert "Reported by 3 sources (also Outlet 1 and Outlet 2) · 3 reports" in context
    assert delivery.pending == 0 and len(delivery.sent) == 5


def test_syndicated_copy_is_counted_without_a_reply(store, sink, slack):
    text = "Wire copy. " + " ".join(f"token{i}" for i in range(200))
    original = analysed("orig", detection(), source="Wire A", text=text)
    copy = analysed("copy", detection(), source="Paper B", text=text + " Share this post.")
    record(store, original, copy)
    deliver_pending(store, sink, sleep=lambda _: None)
    assert len(slack.state.top_level()) == 1
    assert slack.state.replies(slack.state.top_level()[0].ts) == []
    assert slack.state.top_level()[0].edits == 1  # the count still grows


def test_escalation_posts_a_new_top_level_alert_linking_the_earlier(store, sink, slack):
    threat = detection(
        EventType.WITHDRAWAL_STATEMENT,
        target="CSTO",
        modality=Modality.THREATENED,
        evidence="Armenia could leave the alliance, the prime minister warned.",
    )
    announced = detection(
        EventType.WITHDRAWAL_STATEMENT,
        target="CSTO",
        modality=Modality.ANNOUNCED,
        evidence="Armenia will leave the alliance, the prime minister said.",
    )
    record(store, analysed("threat", threat))
    record(store, analysed("announce", announced, source="Other Outlet"))
    deliver_pending(store, sink, sleep=lambda _: None)
    top = slack.state.top_level()
    assert len(top) == 2
    escalation_text = " ".join(
        b.get("text", {}).get("text", "") for b in top[1].blocks if b["type"] == "section"
    )
    assert (
        "Moved on" in escalation_text and "https://example.slack.test/archives/" in escalation_text
    )
    assert "Stage: threatened → *announced* → carried out" in escalation_text


def test_routes_by_event_type_and_source_tag(store, sink, slack):
    arms = detection(
        EventType.ARMS_TRANSFER,
        actors=("Belarus",),
        target="Azerbaijan",
        modality=Modality.REPORTED,
    )
    kyrgyz = detection(EventType.SUMMIT_BOYCOTT, actors=("Kyrgyzstan",), target="CIS summit")
    record(store, analysed("arms", arms), analysed("kg", kyrgyz, tags=("central-asia",)))
    deliver_pending(store, sink, sleep=lambda _: None)
    assert sorted(m.channel for m in slack.state.top_level()) == ["C0ARMS0001", "C0CASI0001"]


def test_reports_outside_the_window_open_a_new_development(store, sink, slack):
    start = datetime(2023, 11, 14, tzinfo=UTC)
    first, later = analysed("a", detection()), analysed("b", detection())
    claim(store, first, later)
    record_articles(store, [first], ROUTED_CONFIG, "#newswatch", now=start)
    record_articles(store, [later], ROUTED_CONFIG, "#newswatch", now=start + timedelta(days=6))
    third = analysed("c", detection())
    claim(store, third)
    record_articles(store, [third], ROUTED_CONFIG, "#newswatch", now=start + timedelta(days=14))
    deliver_pending(store, sink, sleep=lambda _: None)
    assert len(slack.state.top_level()) == 2  # a, b together (6 days); c 8 days after b
    assert len(slack.state.replies(slack.state.top_level()[0].ts)) == 1


def test_rerecording_a_finished_item_changes_nothing(store):
    entry = analysed("a", detection())
    record(store, entry)
    again = record_articles(store, [entry], ROUTED_CONFIG, "#newswatch")
    assert again.new == [] and again.updated == []


@pytest.mark.parametrize(
    ("event_type", "dev_actors", "dev_target", "actors", "target", "same"),
    [
        (
            EventType.SUMMIT_BOYCOTT,
            ["Armenia"],
            "CSTO summit, Minsk",
            ("Armenia", "Nikol Pashinyan"),
            "CSTO",
            True,
        ),
        (EventType.SUMMIT_BOYCOTT, ["Armenia"], "CSTO", ("Belarus",), "CSTO", False),
        (
            EventType.WITHDRAWAL_STATEMENT,
            ["Armenia"],
            "CSTO",
            ("Armenia",),
            "Eurasian Economic Union",
            False,
        ),
        (EventType.WITHDRAWAL_STATEMENT, ["Armenia"], None, ("Armenia",), "CSTO", True),
        # a report that names no supplier joins on the recipient
        (EventType.ARMS_TRANSFER, ["Denmark"], "Ukraine", (), "Ukraine", True),
        (EventType.ARMS_TRANSFER, [], "Ukraine", (), "Taiwan", False),
        (EventType.ARMS_TRANSFER, [], None, (), None, False),
        # a rupture is the same seen from either side
        (EventType.DIPLOMATIC_RUPTURE, ["Armenia"], "Belarus", ("Belarus",), "Armenia", True),
        (EventType.DIPLOMATIC_RUPTURE, ["Armenia"], "Belarus", ("Belarus",), "Lithuania", False),
    ],
)
def test_same_development(event_type, dev_actors, dev_target, actors, target, same):
    found = detection(event_type, actors=actors, target=target)
    assert same_development(event_type.value, dev_actors, dev_target, found) is same
    assert not same_development("declaration_refusal", dev_actors, dev_target, found)


# --- identity: what the event is ----------------------------------------------------------


@pytest.mark.parametrize(
    ("dev_target", "dev_evidence", "target", "evidence", "same"),
    [
        # a ministers' meeting is not a summit, even when the detector calls both "summit"
        (
            "CSTO summit",
            "The foreign minister will skip the meeting of the CSTO Council of Foreign "
            "Ministers in Almaty this week.",
            "CSTO summit, Minsk",
            "The prime minister will not travel to Minsk for the CSTO summit.",
            False,
        ),
        # two summits of one organisation in two cities
        ("CSTO summit, Minsk", "", "CSTO summit, Yerevan", "", False),
        # the venue said one way in the target and another in a Russian sentence
        (
            "CSTO summit, Minsk",
            "",
            "CSTO summit",
            "Премьер-министр не поедет на саммит ОДКБ в Минске.",
            True,
        ),
        # a place outside the alias table, in two scripts: no evidence of two meetings
        ("CSTO summit, Almaty", "", "CSTO summit, Алматы", "", True),
        # the meeting's month, when both state it
        (
            "CSTO summit",
            "He will skip the November summit of the bloc.",
            "CSTO summit",
            "He will skip the May summit of the bloc.",
            False,
        ),
        # one meeting, its organiser named two ways
        ("EU summit, Warsaw", "", "Eastern Partnership summit, Warsaw", "", True),
        ("EU summit", "", "Eastern Partnership summit", "", False),
    ],
)
def test_meetings_are_told_apart_by_kind_venue_and_month(
    dev_target, dev_evidence, target, evidence, same
):
    found = detection(target=target, evidence=evidence or "The prime minister will stay away.")
    key = event_key("summit_boycott", dev_target, dev_evidence)
    assert same_development("summit_boycott", ["Armenia"], dev_target, found, dev_key=key) is same


def test_a_rupture_reported_from_the_other_capital_without_a_target_joins():
    found = detection(EventType.DIPLOMATIC_RUPTURE, actors=("Iran",), target=None)
    assert same_development("diplomatic_rupture", ["Australia"], "Iran", found)


def test_two_boycotts_of_one_summit_series_months_apart_are_two_developments(store, sink, slack):
    """Generic targets on both sides ("CSTO summit"): only the publication dates tell them
    apart, and a first poll sees both at once."""
    spring = analysed("spring", detection(target="CSTO summit"), published=_ago(days=150))
    autumn = analysed("autumn", detection(target="CSTO summit"), published=_ago(hours=5))
    claim(store, spring, autumn)
    grouping = record_articles(store, [spring, autumn], NO_AGE_LIMIT, "#newswatch")
    assert len(set(grouping.new)) == 2
    deliver_pending(store, sink, sleep=lambda _: None)
    assert len(slack.state.top_level()) == 2


def test_reports_a_fortnight_apart_still_group():
    """An announcement and the summit-day report are often two weeks apart."""
    config = NO_AGE_LIMIT
    assert publication_window(config) >= timedelta(days=14)


def _ago(*, days: int = 0, hours: int = 0) -> datetime:
    return datetime.now(UTC) - timedelta(days=days, hours=hours)


NO_AGE_LIMIT = parse_sources(
    """
sources:
  - {name: Caucasus Ledger, url: "https://caucasus-ledger.example/rss"}
alerts:
  max_age: 0
"""
)


def _detect_corpus_line(record: dict) -> AnalysedArticle:
    import detectors
    from newswatch.models import Article, FeedItem

    published = datetime.fromisoformat(record["date"]).replace(hour=9, tzinfo=UTC)
    url = f"https://{record['outlet'].lower().replace(' ', '-')}.example/{record['id']}"
    item = FeedItem(record["outlet"], url, url, record["title"], "", published)
    found = detectors.detect(
        record["text"], title=record["title"], lang=record["lang"], published=published.date()
    )
    article = Article(item=item, title=record["title"], text=record["text"], lang=record["lang"])
    return AnalysedArticle(url, article, tuple(found))


@pytest.mark.needs_shared
def test_corpus_groups_stay_one_development_each_and_distinct_ones_stay_apart(
    tmp_path, shared_path
):
    """Every article of ../shared/corpus/dev.jsonl on one fresh store, as one first poll: each
    (development, type) is one development, and no development mixes two corpus ids."""
    corpus = shared_path("corpus/dev.jsonl")
    import json

    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
    store = Store(f"sqlite:///{tmp_path / 'corpus.db'}")
    entries = [_detect_corpus_line(r) for r in records]
    claim(store, *entries)
    record_articles(
        store, entries, NO_AGE_LIMIT, "#newswatch", now=datetime(2026, 1, 1, tzinfo=UTC)
    )
    corpus_id = {f"{r['outlet']}|{r['id']}": r["development_id"] for r in records}
    with store.session() as s:
        rows = s.execute(
            select(
                DetectionRow.type, DetectionRow.development_id, ArticleRow.source, ArticleRow.url
            ).join(ArticleRow, DetectionRow.article_id == ArticleRow.id)
        ).all()
    developments: dict[int, set[str]] = {}
    per_event: dict[tuple[str, str], set[int]] = {}
    for event_type, development_id, source, url in rows:
        truth = corpus_id[f"{source}|{url.rsplit('/', 1)[1]}"]
        developments.setdefault(development_id, set()).add(truth)
        per_event.setdefault((truth, event_type), set()).add(development_id)
    assert all(len(ids) == 1 for ids in developments.values()), developments
    assert all(len(devs) == 1 for devs in per_event.values()), per_event
    assert any(truth.startswith("d-grp") for truth, _ in per_event)  # the groups were detected


@pytest.mark.needs_shared
def test_seed_pair_003_004_is_one_development(store, shared_path):
    seeds = shared_path("seeds")
    paths = sorted(seeds.glob("003_*.txt")) + sorted(seeds.glob("004_*.txt"))
    assert len(paths) == 2, f"{seeds} should hold one 003_*.txt and one 004_*.txt"
    import detectors
    from newswatch.models import Article, FeedItem

    entries = []
    for n, path in enumerate(paths):
        text = path.read_text(encoding="utf-8")
        url = f"https://seed-{n}.example/{path.stem}"
        item = FeedItem(f"Seed {n}", url, url, path.stem, "", _ago(hours=2 + n))
        found = detectors.detect(text)
        entries.append(AnalysedArticle(url, Article(item, path.stem, text, "en"), tuple(found)))
    claim(store, *entries)
    grouping = record_articles(store, entries, ROUTED_CONFIG, "#newswatch")
    assert len(set(grouping.new)) == 1 and len(grouping.updated) == 1


# --- a first poll without a flood ---------------------------------------------------------


def test_an_old_report_is_stored_and_listed_but_not_alerted_and_a_fresh_one_opens_the_alert(
    store, sink, slack
):
    old = analysed("old", detection(), published=_ago(days=5))
    grouping = record(store, old)
    assert [h.reason for h in grouping.held_back] == [
        f"published {old.article.item.published:%Y-%m-%d %H:%M} UTC, "
        "more than 3 days before this poll"
    ]
    deliver_pending(store, sink, sleep=lambda _: None)
    assert slack.state.calls_to("chat.postMessage") == []
    with store.session() as s:
        assert s.scalars(select(DetectionRow.role)).all() == ["held"]

    fresh = analysed("fresh", detection(), source="Other Outlet")
    grouping = record(store, fresh)
    assert grouping.new == [] and len(grouping.updated) == 1
    deliver_pending(store, sink, sleep=lambda _: None)
    [top] = slack.state.top_level()
    assert "Headline fresh" in top.text  # the fresh report heads the development


def test_max_age_zero_alerts_every_age(store, sink, slack):
    old = analysed("old", detection(), published=_ago(days=400))
    claim(store, old)
    grouping = record_articles(store, [old], NO_AGE_LIMIT, "#newswatch")
    assert grouping.held_back == []
    deliver_pending(store, sink, sleep=lambda _: None)
    assert len(slack.state.top_level()) == 1


# --- several developments in one article --------------------------------------------------


def test_an_article_with_three_developments_posts_three_labelled_messages_and_threads_follow_ups(
    store, sink, slack
):
    rupture = detection(EventType.DIPLOMATIC_RUPTURE, actors=("Armenia",), target="Belarus")
    threat = detection(
        EventType.WITHDRAWAL_STATEMENT, actors=("Armenia",), target="CSTO",
        modality=Modality.THREATENED,
    )  # fmt: skip
    arms = detection(EventType.ARMS_TRANSFER, actors=("Belarus",), target="Azerbaijan")
    record(store, analysed("three", rupture, threat, arms))
    record(store, analysed("arms-again", arms, source="Second Outlet"))
    deliver_pending(store, sink, sleep=lambda _: None)

    posts = slack.state.calls_to("chat.postMessage")
    top = [c for c in posts if not c.params.get("thread_ts")]
    headers = [c.params["blocks"][0]["text"]["text"] for c in top]
    assert headers == [
        ":broken_heart: Diplomatic rupture: Armenia ↔ Belarus",
        ":door: Withdrawal statement: Armenia → CSTO",
        ":rocket: Arms transfer: Belarus → Azerbaijan",
    ]
    notes = [_context_text(c.params["blocks"]) for c in top]
    assert (
        ":link: 1 of 3 developments in this article (also: withdrawal statement and arms transfer)"
        in notes[0]
    )
    assert (
        ":link: 2 of 3 developments in this article (also: diplomatic rupture and arms transfer)"
        in notes[1]
    )
    assert ":link: 3 of 3 developments in this article" in notes[2]
    # the second outlet's arms report is a reply in the arms thread, not under the rupture
    [reply] = [c for c in posts if c.params.get("thread_ts")]
    arms_message = slack.state.top_level()[2]
    assert reply.params["thread_ts"] == arms_message.ts
    # each message its own outbox id in the metadata
    ids = [c.params["metadata"]["event_payload"]["alert_id"] for c in posts]
    assert len(set(ids)) == len(ids) == 4


def _context_text(blocks: list[dict]) -> str:
    return " ".join(e["text"] for b in blocks if b["type"] == "context" for e in b["elements"])


# --- the event's life ---------------------------------------------------------------------


def test_a_report_that_the_boycott_happened_moves_it_on_and_an_older_stage_does_not_go_back(
    store, sink, slack
):
    announced = analysed("announced", detection(modality=Modality.ANNOUNCED))
    happened = analysed(
        "happened",
        detection(
            modality=Modality.CARRIED_OUT,
            evidence="The summit in Minsk opened without the Armenian prime minister.",
        ),
        source="Summit Day Post",
    )
    late_echo = analysed("echo", detection(modality=Modality.ANNOUNCED), source="Slow Weekly")
    assert len(record(store, announced).new) == 1  # one poll after another
    assert len(record(store, happened).escalated) == 1
    assert record(store, late_echo).escalated == []
    deliver_pending(store, sink, sleep=lambda _: None)
    first, moved_on = slack.state.top_level()
    stage = moved_on.blocks[1]["text"]["text"]
    assert "Stage: threatened → announced → *carried out*" in stage and "Moved on" in stage
    # the late "will not attend" report is a reply under the carried-out alert, not a step back
    assert [m.text for m in slack.state.replies(moved_on.ts)] == [
        "Also reported by Slow Weekly: Headline echo — https://slow-weekly.example/echo"
    ]
    assert slack.state.replies(first.ts) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, timedelta(hours=72)), ("0", timedelta(0)), ("12h", timedelta(hours=12))],
)
def test_alerts_max_age_in_sources_yaml(value, expected):
    extra = f"\nalerts:\n  max_age: {value}\n" if value is not None else ""
    config = parse_sources('sources:\n  - {name: a, url: "https://a.example/rss"}' + extra)
    assert config.alerts.max_age == expected


def test_a_bad_max_age_names_its_line():
    from newswatch.config import ConfigError

    with pytest.raises(ConfigError) as caught:
        parse_sources(
            'sources:\n  - {name: a, url: "https://a.example/rss"}\nalerts:\n  max_age: soon\n'
        )
    assert str(caught.value) == (
        "sources.yaml:4: alerts.max_age: 'soon' is not a duration such as 10m, 2h or 7d"
    )


def test_held_back_reason_wording():
    now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    published = now - timedelta(hours=80)
    assert held_back_reason(published, now, timedelta(hours=72)) == (
        "published 2026-11-27 04:00 UTC, more than 3 days before this poll"
    )
    assert held_back_reason(published, now, timedelta(hours=100)) is None
    assert held_back_reason(published, now, timedelta(hours=12)) == (
        "published 2026-11-27 04:00 UTC, more than 12 h before this poll"
    )
    assert held_back_reason(None, now, timedelta(hours=1)) is None  # undated: alerted
    assert held_back_reason(published, now, timedelta(0)) is None  # the limit is off


def test_one_poll_holding_two_stages_opens_one_alert_at_the_furthest_stage(store, sink, slack):
    announced = analysed(
        "announced", detection(modality=Modality.ANNOUNCED), published=_ago(hours=30)
    )
    happened = analysed(
        "happened", detection(modality=Modality.CARRIED_OUT), source="Summit Day Post",
        published=_ago(hours=2),
    )  # fmt: skip
    grouping = record(store, announced, happened)
    assert grouping.escalated == [] and len(set(grouping.new)) == 1
    deliver_pending(store, sink, sleep=lambda _: None)
    [top] = slack.state.top_level()
    assert "Headline happened" in top.text
    assert "*carried out*" in top.blocks[1]["text"]["text"]
    assert len(slack.state.replies(top.ts)) == 1


def test_the_headline_names_the_meeting_when_target_and_evidence_do_not():
    said = event_key(
        "summit_boycott",
        "CSTO summit",
        "The prime minister will stay away, his office said.",
        "Pashinyan to skip CSTO summit in Yerevan",
    )
    assert said.venue == "@Armenia" and said.kind == "summit"
    assert not said.compatible(event_key("summit_boycott", "CSTO summit, Minsk"))


def test_the_quote_is_a_body_sentence_never_the_headline_again():
    from newswatch.developments import body_quote

    title = "Armenia recalls its envoy from Minsk"
    text = (
        "Markets were calm on Monday. Armenia has recalled its ambassador from Minsk for "
        "consultations, the foreign ministry said. The move follows weeks of tension."
    )
    assert body_quote(title, title, text) == (
        "Armenia has recalled its ambassador from Minsk for consultations, the foreign "
        "ministry said."
    )
    sentence = "The move follows weeks of tension."
    assert body_quote(sentence, title, text) == sentence  # a body sentence stays as it is


def test_a_leader_and_the_state_he_speaks_for_are_one_principal_actor():
    by_state = detection(actors=("Armenia",), target="CSTO summit")
    assert same_development("summit_boycott", ["Nikol Pashinyan"], "CSTO summit, Minsk", by_state)
    other = detection(actors=("Belarus",), target="CSTO summit")
    assert not same_development("summit_boycott", ["Nikol Pashinyan"], "CSTO summit, Minsk", other)


def test_a_target_that_says_where_without_a_comma():
    said = event_key("summit_boycott", "CSTO Council of Foreign Ministers in Almaty")
    assert (said.kind, said.venue) == ("ministers", "almaty")


def test_articles_without_detections_are_stored_in_a_few_statements(store):
    quiet = [analysed(f"quiet-{i}") for i in range(60)]
    claim(store, *quiet)
    with store.session() as s:  # one of them another run has finished already
        s.execute(
            Item.__table__.update().where(Item.item_key == quiet[0].item_key).values(status="done")
        )
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        # Each article twice (a repeat in one batch): stored once.
        report = record_articles(store, quiet + quiet[1:3], ROUTED_CONFIG, "#newswatch")
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert not report.detections
    # One lookup of the items, one multi-row insert of the articles, one update of the
    # items: not a query and an insert per article.
    assert len(statements) <= 6, statements
    with store.session() as s:
        stored = s.scalars(select(ArticleRow.url)).all()
        done = s.scalars(select(Item.item_key).where(Item.status == "done")).all()
    assert sorted(stored) == sorted(a.item_key for a in quiet[1:])
    assert sorted(done) == sorted(a.item_key for a in quiet)
