"""The feedback store on real SQLite and PostgreSQL: answers recorded once, mutes honoured and lifted, and the
export read back by `newswatch evaluate` (the real detector on the stored article text)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import detectors
from newswatch import feedback
from newswatch.cli import main
from newswatch.config import parse_sources
from newswatch.delivery import deliver_pending
from newswatch.developments import record_articles
from newswatch.feedback import Click, FeedbackRow, MuteRow, NotOurAlert
from newswatch.models import AnalysedArticle, Article, EventType, FeedItem
from newswatch.sinks import DryRunSink
from newswatch.store import AlertRow, Store
from tests.builders import analysed, claim, detection
from tests.fixtures.postgres import throwaway_database

CONFIG = parse_sources(
    'sources:\n  - {name: Caucasus Ledger, url: "https://caucasus-ledger.example/rss"}\n'
)
# Our own sentences, each of which the detector reads as one development.
TEXTS = {
    "boycott": "Armenian Prime Minister Nikol Pashinyan will not attend the CSTO summit in Minsk "
    "next week, his office said on Tuesday.",
    "rupture": "Belarus recalled its ambassador from Armenia on Monday after a row over remarks "
    "by the prime minister.",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    with ExitStack() as stack:
        if request.param == "postgresql":
            url = stack.enter_context(throwaway_database("nw_feedback"))
        else:
            url = f"sqlite:///{tmp_path / 'store.db'}"
        monkeypatch.setenv("NEWSWATCH_DATABASE_URL", url)
        store = Store(url)
        stack.callback(store.dispose)
        yield store


def real_article(slug: str, text: str) -> AnalysedArticle:
    url = f"https://caucasus-ledger.example/{slug}"
    item = FeedItem(
        # Fresh: older than alerts.max_age would be held back, not alerted.
        "Caucasus Ledger",
        url,
        url,
        f"Headline {slug}",
        "",
        datetime.now(UTC) - timedelta(hours=1),
    )
    found = detectors.detect(text, title=item.title, lang="en")
    assert len(found) == 1, (slug, found)
    return AnalysedArticle(url, Article(item, item.title, text, "en"), tuple(found))


def post(store: Store, tmp_path: Path, *articles: AnalysedArticle) -> list[AlertRow]:
    claim(store, *articles)
    record_articles(store, articles, CONFIG, "#newswatch")
    deliver_pending(store, DryRunSink(tmp_path / "alerts.jsonl"), sleep=lambda _: None)
    with store.session() as s:
        return list(s.scalars(select(AlertRow).where(AlertRow.kind == "new").order_by(AlertRow.id)))


def click(alert: AlertRow, action: str, value: str | None = None, user: str = "ana") -> Click:
    return Click(
        action=action,
        value=value,
        user_id=f"U-{user}",
        user_name=user,
        channel_id=alert.slack_channel_id or "",
        message_ts=alert.slack_ts or "",
        alert_id=alert.id,
        acted_at=datetime.now(UTC),
    )


def test_an_answer_is_stored_once_and_only_for_a_sent_top_level_alert(store, tmp_path):
    (alert,) = post(store, tmp_path, analysed("a", detection()))
    first = feedback.record(store, click(alert, "false_alarm"))
    again = feedback.record(store, click(alert, "false_alarm"))
    assert (first.duplicate, again.duplicate) == (False, True)
    assert first.note == again.note == "marked false alarm by @ana"
    with store.session() as s:
        assert len(s.scalars(select(FeedbackRow)).all()) == 1

    stranger = Click(**{**click(alert, "false_alarm").__dict__, "message_ts": "dry-999"})
    with pytest.raises(NotOurAlert):
        feedback.record(store, stranger)
    wrong_id = Click(**{**click(alert, "false_alarm").__dict__, "alert_id": alert.id + 50})
    with pytest.raises(NotOurAlert):
        feedback.record(store, wrong_id)
    with pytest.raises(NotOurAlert, match="unknown type"):
        feedback.record(store, click(alert, "wrong_type", "made_up_type"))


def test_export_is_a_corpus_that_evaluate_scores(store, tmp_path, capsys):
    # One poll each: within one poll the furthest-along report is handled first.
    (boycott,) = post(store, tmp_path, real_article("boycott", TEXTS["boycott"]))
    rupture = post(store, tmp_path, real_article("rupture", TEXTS["rupture"]))[-1]
    feedback.record(store, click(boycott, "false_alarm"))
    feedback.record(store, click(rupture, "wrong_type", "arms_transfer", user="bo"))
    out = tmp_path / "judged" / "feedback.jsonl"

    assert main(["feedback", "export", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["title"], r["labels"]) for r in records] == [
        ("Headline boycott", []),
        ("Headline rupture", ["arms_transfer"]),
    ]
    assert all(r["text"] in TEXTS.values() and r["lang"] == "en" for r in records)
    assert "false_alarm on summit_boycott by @ana" in records[0]["notes"]
    assert "wrong_type=arms_transfer on diplomatic_rupture by @bo" in records[1]["notes"]
    capsys.readouterr()

    assert main(["evaluate", str(out)]) == 0
    report = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1:] for line in report.splitlines() if line[:1].isalpha()}
    # P R F1 TP FP FN: the detector's two answers are now the desk's two false alarms and one miss.
    assert rows["summit_boycott"][3:] == ["0", "1", "0"]
    assert rows["diplomatic_rupture"][3:] == ["0", "1", "0"]
    assert rows["arms_transfer"][3:] == ["0", "0", "1"]
    assert "FALSE ALARMS (2)" in report and "MISSES (1)" in report


def test_a_mute_only_keeps_the_detector_labels_and_not_an_event_clears_them(store, tmp_path):
    # One poll each: within one poll the furthest-along report is handled first.
    (boycott,) = post(store, tmp_path, real_article("boycott", TEXTS["boycott"]))
    rupture = post(store, tmp_path, real_article("rupture", TEXTS["rupture"]))[-1]
    feedback.record(store, click(boycott, "mute_development"))
    feedback.record(store, click(rupture, "wrong_type", "not_an_event"))
    out = tmp_path / "f.jsonl"
    assert feedback.export_corpus(store, out) == 2
    labels = [json.loads(line)["labels"] for line in out.read_text().splitlines()]
    assert labels == [["summit_boycott"], []]


def test_mutes_list_and_lift_from_the_command_line(store, tmp_path, capsys):
    (alert,) = post(store, tmp_path, analysed("a", detection()))
    feedback.record(store, click(alert, "mute_actor"))
    feedback.record(store, click(alert, "mute_development"))
    capsys.readouterr()

    assert main(["mutes"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 2
    assert "actor Armenia" in listed[0] and "by @ana" in listed[0]
    assert "development" in listed[1] and "summit_boycott" in listed[1]

    actor_mute = int(listed[0].split("\t")[0])
    assert main(["mutes", "lift", str(actor_mute)]) == 0
    assert main(["mutes", "lift", str(actor_mute)]) == 1  # already lifted
    assert "no active mute" in capsys.readouterr().err
    assert main(["mutes", "lift"]) == 2
    assert main(["mutes", "list"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1


def test_an_actor_mute_expires_and_a_lifted_development_mute_lets_replies_through(store, tmp_path):
    (alert,) = post(store, tmp_path, analysed("a", detection()))
    feedback.record(store, click(alert, "mute_actor"))
    feedback.record(store, click(alert, "mute_development"))
    with store.session() as s:
        development = s.get(feedback.DevelopmentRow, alert.development_id)
        assert feedback.mute_reason(s, "reply", development, alert.id) is not None
        in_eight_days = datetime.now(UTC) + timedelta(days=8)
        # Past the actor mute's 7 days only the development mute remains.
        assert "development" in (
            feedback.mute_reason(s, "new", development, None, now=in_eight_days) or ""
        )
    dev_mute = next(m for m in feedback.list_mutes(store) if m.kind == "development")
    assert feedback.lift_mute(store, dev_mute.id, by="test")
    with store.session() as s:
        development = s.get(feedback.DevelopmentRow, alert.development_id)
        assert feedback.mute_reason(s, "reply", development, alert.id) is None
        assert feedback.mute_reason(s, "new", development, None) is not None  # actor: 7 days
        assert feedback.mute_reason(s, "new", development, None, now=in_eight_days) is None

    # The next report of the development is a reply again, and it is sent.
    later = post(store, tmp_path, analysed("b", detection(), source="Outlet 2"))
    assert [a.id for a in later] == [alert.id]
    with store.session() as s:
        replies = s.scalars(select(AlertRow).where(AlertRow.kind == "reply")).all()
    assert [(r.status, r.last_error) for r in replies] == [("sent", None)]


def test_precision_of_the_last_30_days_in_the_report(store, tmp_path):
    alerts = post(
        store,
        tmp_path,
        analysed("a", detection()),
        analysed("b", detection(actors=("Kazakhstan",), target="CIS summit")),
        analysed("c", detection(actors=("Kyrgyzstan",), target="EAEU summit")),
    )
    assert len(alerts) == 3
    assert "No alert was judged" in "\n".join(
        feedback.report_lines(feedback.run_summary(store, since=datetime.now(UTC)))
    )
    feedback.record(store, click(alerts[0], "false_alarm"))
    feedback.record(store, click(alerts[0], "false_alarm", user="bo"))  # one alert, two answers
    feedback.record(store, click(alerts[1], "mute_development"))
    old = click(alerts[2], "false_alarm")
    feedback.record(store, Click(**{**old.__dict__, "acted_at": old.acted_at - timedelta(days=31)}))

    assert feedback.precision(store) == (1, 2)
    lines = "\n".join(feedback.report_lines(feedback.run_summary(store, since=datetime.now(UTC))))
    assert "Precision from feedback: **0.50** (1 of 2 judged alerts" in lines
    with store.session() as s:
        assert len(s.scalars(select(MuteRow)).all()) == 1


def test_actor_mutes_name_the_canonical_actor_or_say_there_is_none(store, tmp_path):
    named, nameless = post(
        store,
        tmp_path,
        analysed("a", detection(actors=("Armenia", "Nikol Pashinyan"))),
        analysed("b", detection(EventType.ARMS_TRANSFER, actors=(), target="Ukraine")),
    )
    first = feedback.record(store, click(named, "mute_actor"))
    second = feedback.record(store, click(named, "mute_actor", user="bo"))  # already muted
    assert "Armenia muted until" in first.note and "by @ana" in first.note
    assert second.note.count("Armenia muted until") == 2 and "by @bo" in second.note
    assert [(m.kind, m.actor) for m in feedback.list_mutes(store)] == [("actor", "Armenia")]
    none = feedback.record(store, click(nameless, "mute_actor"))
    assert none.note == "actor mute asked by @ana, but the alert names no actor"
    assert len(feedback.list_mutes(store)) == 1
