"""The Socket Mode listener against the Socket Mode and Web API stand-ins on 127.0.0.1: alerts
posted by the real grouping and delivery code, clicks delivered as `block_actions` envelopes,
a real SQLite store. Each click must be stored once, acknowledged and shown on the message; a
mute must hold back the next poll's alerts; a dropped connection must be reopened."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import func, select

from newswatch import feedback
from newswatch.config import parse_sources
from newswatch.delivery import deliver_pending
from newswatch.developments import record_articles
from newswatch.feedback import FeedbackRow, MuteRow
from newswatch.listener import Listener
from newswatch.models import EventType, Modality
from newswatch.sinks import SlackSink
from newswatch.store import AlertRow, Store
from tests.builders import analysed, claim, detection
from tests.fixtures.slack_api import Message, SlackStandIn
from tests.fixtures.socket_mode import SocketModeStandIn, block_actions

CONFIG = parse_sources(
    'sources:\n  - {name: Caucasus Ledger, url: "https://caucasus-ledger.example/rss"}\n'
)
BOYCOTT = detection()  # Armenia, Nikol Pashinyan -> CSTO summit, Minsk
RUPTURE = detection(
    EventType.DIPLOMATIC_RUPTURE,
    actors=("Belarus",),
    target="Armenia",
    modality=Modality.CARRIED_OUT,
    evidence="Minsk called its envoy home from Yerevan.",
)


def poll(store: Store, slack: SlackStandIn, *articles) -> None:
    """What one poll does after detection: group, queue and deliver."""
    claim(store, *articles)
    record_articles(store, articles, CONFIG, "#newswatch")
    sink = SlackSink(slack.state.token, base_url=slack.base_url)
    deliver_pending(store, sink, sleep=lambda _: None)


def until(condition: Callable[[], object], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def rows(store: Store, model: type = FeedbackRow) -> list:
    with store.session() as s:
        return list(s.scalars(select(model).order_by(model.id)))


@pytest.fixture
def world(
    store: Store, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[SocketModeStandIn, Listener]]:
    monkeypatch.setenv("SLACK_APP_TOKEN", slack.state.app_token)  # alerts carry the buttons
    with SocketModeStandIn(slack) as socket:
        listener = Listener(
            store,
            slack.state.app_token,
            slack.state.token,
            api_url=slack.base_url,
            backoff_initial=0.2,
            backoff_max=1.0,
            ping_interval=1.0,  # a dead connection is noticed after 4 missed pongs
        ).start()
        try:
            socket.wait_connected()
            yield socket, listener
        finally:
            listener.stop()


def the_alert(slack: SlackStandIn, index: int = 0) -> Message:
    return slack.state.top_level()[index]


def alert_of_type(slack: SlackStandIn, title: str) -> Message:
    """The top-level alert whose header names this type (":emoji: Summit boycott: …")."""
    (found,) = [m for m in slack.state.top_level() if header_type(m) == title]
    return found


def header_type(message: Message) -> str:
    return message.blocks[0]["text"]["text"].split(" ", 1)[1].split(":")[0]


def note_of(message: Message) -> str | None:
    for block in message.blocks:
        if block.get("block_id") == "newswatch_feedback_note":
            return block["elements"][0]["text"]
    return None


def test_alerts_carry_the_buttons_only_when_interactivity_is_configured(store, slack, monkeypatch):
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    monkeypatch.delenv("NEWSWATCH_SLACK_APP_TOKEN", raising=False)
    poll(store, slack, analysed("plain", BOYCOTT))
    assert all(b.get("block_id") != "newswatch_feedback" for b in the_alert(slack).blocks)

    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-anything")
    poll(store, slack, analysed("buttons", RUPTURE))
    actions = [b for b in the_alert(slack, 1).blocks if b.get("block_id") == "newswatch_feedback"]
    assert len(actions) == 1
    ids = [e["action_id"] for e in actions[0]["elements"]]
    assert ids == [
        "newswatch_false_alarm",
        "newswatch_wrong_type",
        "newswatch_mute_development",
        "newswatch_mute_actor",
    ]
    options = [o["value"] for o in actions[0]["elements"][1]["options"]]
    assert options == [t.value for t in EventType] + ["not_an_event"]


@pytest.mark.parametrize(
    ("action", "value", "shown"),
    [
        ("false_alarm", None, "marked false alarm by @ana"),
        ("wrong_type", "arms_transfer", "type corrected to Arms transfer by @ana"),
        ("wrong_type", "not_an_event", "marked not an event by @ana"),
        ("mute_development", None, "development muted by @ana"),
        ("mute_actor", None, "Armenia muted until"),
    ],
)
def test_each_button_is_stored_acknowledged_and_shown_on_the_message(
    store, slack, world, action, value, shown
):
    socket, _ = world
    poll(store, slack, analysed("first", BOYCOTT))
    message = the_alert(slack)
    updates_before = len(slack.state.calls_to("chat.update"))

    envelope = socket.deliver(block_actions(message, action, value=value))

    socket.wait_ack(envelope)
    stored = rows(store)
    assert [(r.action, r.value, r.user_id, r.user_name) for r in stored] == [
        (action, value, "U0ANALYST1", "ana")
    ]
    with store.session() as s:
        alert = s.get(AlertRow, stored[0].alert_id)
    assert alert is not None and alert.slack_ts == message.ts and alert.kind == "new"
    assert stored[0].article_id is not None and stored[0].detection_id is not None
    until(lambda: len(slack.state.calls_to("chat.update")) > updates_before, "chat.update")
    note = note_of(message)
    assert note is not None and shown in note, message.blocks
    # The rest of the message is untouched: header, evidence and the buttons stay.
    assert message.blocks[0]["type"] == "header"
    assert any(b.get("block_id") == "newswatch_feedback" for b in message.blocks)
    mutes = rows(store, MuteRow)
    if action == "mute_actor":
        assert [(m.kind, m.actor) for m in mutes] == [("actor", "Armenia")]
        assert mutes[0].expires_at is not None
    elif action == "mute_development":
        assert [(m.kind, m.development_id) for m in mutes] == [
            ("development", alert.development_id)
        ]
    else:
        assert mutes == []


def test_a_repeated_envelope_and_a_second_click_store_one_row(store, slack, world):
    socket, _ = world
    poll(store, slack, analysed("first", BOYCOTT))
    payload = block_actions(the_alert(slack), "false_alarm")

    socket.deliver(payload, envelope_id="env-same")
    socket.wait_ack("env-same")
    socket.deliver(payload, envelope_id="env-same")  # Slack redelivers
    socket.wait_ack("env-same", count=2)
    again = socket.deliver(block_actions(the_alert(slack), "false_alarm"))  # clicked twice
    socket.wait_ack(again)

    assert len(rows(store)) == 1
    # Another analyst's answer is a row of its own, and the note names both.
    other = socket.deliver(block_actions(the_alert(slack), "false_alarm", user=("U0BO", "bo")))
    socket.wait_ack(other)
    assert len(rows(store)) == 2
    until(lambda: "@bo" in (note_of(the_alert(slack)) or ""), "the second name on the message")
    assert "marked false alarm by @ana · marked false alarm by @bo" in note_of(the_alert(slack))


def test_actions_on_messages_this_installation_did_not_post_are_refused(store, slack, world):
    socket, _ = world
    poll(store, slack, analysed("first", BOYCOTT))
    ours = the_alert(slack)
    foreign_metadata = Message(
        ours.channel, ours.ts, "x", [], None, {"event_type": "other_app", "event_payload": {}}
    )
    wrong_id = Message(
        ours.channel,
        ours.ts,
        "x",
        [],
        None,
        {"event_type": "newswatch_alert", "event_payload": {"alert_id": 999}},
    )
    unknown_ts = Message(ours.channel, "1.000001", "x", [], None, None)
    updates_before = len(slack.state.calls_to("chat.update"))
    for message in (foreign_metadata, wrong_id, unknown_ts):
        envelope = socket.deliver(block_actions(message, "mute_actor"))
        socket.wait_ack(envelope)  # acknowledged (nothing to retry), but nothing stored
    assert rows(store) == [] and rows(store, MuteRow) == []
    assert len(slack.state.calls_to("chat.update")) == updates_before
    # Without metadata in the payload, the outbox's channel and ts still identify our alert.
    envelope = socket.deliver(block_actions(ours, "false_alarm", with_metadata=False))
    socket.wait_ack(envelope)
    assert [r.action for r in rows(store)] == ["false_alarm"]


def test_mutes_hold_back_the_next_poll_and_the_report_says_so(store, slack, world):
    socket, _ = world
    armenia_leaves = detection(
        EventType.WITHDRAWAL_STATEMENT,
        actors=("Armenia",),
        target="CSTO",
        evidence="Yerevan said it would leave the bloc.",
    )
    poll(store, slack, analysed("boycott", BOYCOTT), analysed("rupture", RUPTURE))
    boycott_msg = alert_of_type(slack, "Summit boycott")
    rupture_msg = alert_of_type(slack, "Diplomatic rupture")
    started = feedback.utcnow()
    for message, action, shown in (
        (rupture_msg, "mute_development", "development muted by @ana"),
        (boycott_msg, "mute_actor", "Armenia muted until"),
    ):
        socket.wait_ack(socket.deliver(block_actions(message, action)))
        until(lambda m=message, t=shown: t in (note_of(m) or ""), "the note on the message")
    posts_before = len(slack.state.calls_to("chat.postMessage"))
    updates_before = len(slack.state.calls_to("chat.update"))
    calls_before = len(slack.state.calls)

    # Next poll: a further report of the muted rupture, a new development whose principal
    # actor (Armenia) is muted, and an unrelated development that must still alert.
    other = detection(EventType.ARMS_TRANSFER, actors=("Russia",), target="Belarus")
    poll(
        store,
        slack,
        analysed("rupture-2", RUPTURE, source="Outlet 2"),
        analysed("armenia-leaves", armenia_leaves, source="Outlet 3"),
        analysed("arms", other, source="Outlet 4"),
    )

    posts = slack.state.calls_to("chat.postMessage")[posts_before:]
    assert len(posts) == 1, [p.params["text"] for p in posts]
    assert "Arms transfer" in posts[0].params["text"]
    assert not [
        c for c in slack.state.calls[calls_before:] if c.method == "chat.update"
    ]  # no count update on the muted development
    assert len(slack.state.calls_to("chat.update")) == updates_before
    with store.session() as s:
        pending = s.scalar(select(func.count()).where(AlertRow.status.in_(("pending", "sending"))))
        muted = s.scalars(select(AlertRow).where(AlertRow.last_error.startswith("muted: "))).all()
    assert pending == 0  # held-back alerts never wait in the outbox
    assert sorted(a.kind for a in muted) == ["new", "reply", "update"]
    summary = feedback.run_summary(store, since=started)
    report = "\n".join(feedback.report_lines(summary))
    assert "## Muted" in report
    assert "actor Armenia muted by @ana" in report and "development" in report
    assert {m["type"] for m in summary["muted"]} == {"diplomatic_rupture", "withdrawal_statement"}


@pytest.mark.parametrize("abrupt", [False, True], ids=["close-frame", "network-failure"])
def test_a_dropped_connection_is_reopened_and_later_actions_arrive(
    store, slack, world, caplog, abrupt
):
    caplog.set_level(logging.DEBUG)
    socket, listener = world
    poll(store, slack, analysed("first", BOYCOTT))
    first = socket.deliver(block_actions(the_alert(slack), "false_alarm"))
    socket.wait_ack(first)

    socket.drop(abrupt=abrupt)
    socket.wait_connected(count=2, timeout=120)
    until(listener.connected, "the listener to reconnect")
    later = socket.deliver(block_actions(the_alert(slack), "mute_development"))
    socket.wait_ack(later)

    assert [r.action for r in rows(store)] == ["false_alarm", "mute_development"]
    assert len(slack.state.calls_to("apps.connections.open")) >= 2
    # Every log line of the session, debug included: no token in any of them.
    assert caplog.records
    assert slack.state.app_token not in caplog.text and slack.state.token not in caplog.text


def test_an_unreachable_socket_api_is_retried_with_back_off(store, slack, monkeypatch):
    monkeypatch.setenv("SLACK_APP_TOKEN", slack.state.app_token)
    slack.fail("apps.connections.open", ("http", 500), ("http", 500))
    with SocketModeStandIn(slack) as socket:
        listener = Listener(
            store,
            slack.state.app_token,
            slack.state.token,
            api_url=slack.base_url,
            backoff_initial=0.1,
            backoff_max=0.5,
        ).start()
        try:
            socket.wait_connected()
        finally:
            listener.stop()
    assert len(slack.state.calls_to("apps.connections.open")) >= 3
    assert listener.connections == 1


HELD_BACK = {  # reports the sample world publishes only before the second poll
    "pashinyan-ne-poedet-na-sammit-odkb",  # the boycott again (a reply, once muted: none)
    "armenia-weighs-csto-decisions-after-minsk",  # and once more
    "armenia-recalls-envoy-belarus-arms-azerbaijan",  # Armenia x2 (muted actor), Belarus x1
}


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_clicks_on_a_real_poll_are_honoured_by_the_next_and_exported_for_evaluate(
    sample_site, slack_env, tmp_path, monkeypatch, capsys
):
    import asyncio

    from flows.monitor import poll as poll_flow
    from newswatch.cli import main
    from newswatch.demo.site import SampleWorld
    from newswatch.settings import Settings

    slack = slack_env
    monkeypatch.setenv("SLACK_APP_TOKEN", slack.state.app_token)
    full = sample_site.world
    sample_site.world = SampleWorld(
        full.feeds, tuple(a for a in full.articles if a["slug"] not in HELD_BACK)
    )
    sources = tmp_path / "sources.yaml"
    sources.write_text(sample_site.sources_yaml(), encoding="utf-8")

    asyncio.run(poll_flow(sources=str(sources)))
    alerts = {header_type(m): m for m in slack.state.top_level()}
    assert sorted(alerts) == ["Declaration refusal", "Summit boycott"]

    store = Store(Settings().resolved_database_url)
    with SocketModeStandIn(slack) as socket:
        listener = Listener(
            store, slack.state.app_token, slack.state.token, api_url=slack.base_url
        ).start()
        try:
            for title, action in (
                ("Declaration refusal", "false_alarm"),
                ("Summit boycott", "mute_development"),
                ("Declaration refusal", "mute_actor"),
            ):
                envelope = socket.deliver(block_actions(alerts[title], action))
                socket.wait_ack(envelope)
            until(lambda: "Armenia muted" in (note_of(alerts["Declaration refusal"]) or ""), "note")
            until(lambda: "muted" in (note_of(alerts["Summit boycott"]) or ""), "note")
        finally:
            listener.stop()
    assert "marked false alarm by @ana" in note_of(alerts["Declaration refusal"])
    calls_before = len(slack.state.calls)

    sample_site.world = full
    second = asyncio.run(poll_flow(sources=str(sources)))

    later = [c for c in slack.state.calls[calls_before:] if c.method.startswith("chat.")]
    assert [c.method for c in later] == ["chat.postMessage"], [c.params for c in later]
    assert later[0].params["text"].startswith(":rocket: Arms transfer: Belarus")
    assert not later[0].params.get("thread_ts")
    assert second["alerts_pending"] == 0
    muted = second["feedback"]["muted"]
    assert sorted((m["type"], m["kind"]) for m in muted) == [
        ("diplomatic_rupture", "new"),
        ("summit_boycott", "reply"),
        ("summit_boycott", "reply"),
        ("summit_boycott", "update"),
        ("summit_boycott", "update"),
        ("withdrawal_statement", "new"),
    ]
    from prefect.client.orchestration import get_client

    async def artifact() -> str:
        async with get_client() as client:
            return (await client.read_latest_artifacts())[0].data  # type: ignore[union-attr]

    report = asyncio.run(artifact())
    assert "## Muted" in report and "actor Armenia muted by @ana" in report
    assert "Precision from feedback: **0.50** (1 of 2 judged alerts" in report

    out = tmp_path / "judged.jsonl"
    assert main(["feedback", "export", str(out)]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(out)]) == 0
    scores = {
        line.split()[0]: line.split()[4:]
        for line in capsys.readouterr().out.splitlines()
        if line[:1].isalpha()
    }
    assert scores["declaration_refusal"] == ["0", "1", "0"]  # the desk's false alarm
    assert scores["summit_boycott"] == ["1", "0", "0"]  # muted, not judged wrong


def test_newswatch_listen_runs_until_terminated(store, slack, tmp_path, monkeypatch):
    import os
    import signal
    import subprocess
    import sys

    monkeypatch.setenv("SLACK_APP_TOKEN", slack.state.app_token)
    poll(store, slack, analysed("first", BOYCOTT))
    env = {
        **os.environ,
        "SLACK_APP_TOKEN": slack.state.app_token,
        "SLACK_BOT_TOKEN": slack.state.token,
        "NEWSWATCH_SLACK_API_URL": slack.base_url,
        "NEWSWATCH_DATABASE_URL": store.url,
        "NEWSWATCH_DATA_DIR": str(tmp_path / "data"),
    }
    with SocketModeStandIn(slack) as socket:
        process = subprocess.Popen(
            [sys.executable, "-m", "newswatch.cli", "listen"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            envelope = socket.deliver(block_actions(the_alert(slack), "false_alarm"))
            socket.wait_ack(envelope)
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert [r.action for r in rows(store)] == ["false_alarm"]
    assert slack.state.token not in err and slack.state.app_token not in err


def test_newswatch_listen_without_tokens_says_which_is_missing(monkeypatch, capsys):
    from newswatch.cli import main
    from newswatch.listener import start_listener
    from newswatch.settings import Settings

    for name in ("SLACK_APP_TOKEN", "NEWSWATCH_SLACK_APP_TOKEN", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert start_listener(Settings()) is None  # `newswatch serve` then runs without it
    assert main(["listen"]) == 2
    assert "SLACK_APP_TOKEN is not set" in capsys.readouterr().err
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    assert main(["listen"]) == 2
    assert "SLACK_BOT_TOKEN is not set" in capsys.readouterr().err


def test_a_later_source_count_update_keeps_the_analysts_note(store, slack, world):
    socket, _ = world
    poll(store, slack, analysed("first", BOYCOTT))
    socket.wait_ack(socket.deliver(block_actions(the_alert(slack), "false_alarm")))
    until(lambda: note_of(the_alert(slack)) is not None, "the note")
    edits = the_alert(slack).edits

    poll(store, slack, analysed("second", BOYCOTT, source="Outlet 2"))  # reply + count update

    message = the_alert(slack)
    assert message.edits == edits + 1
    assert any("Reported by 2 sources" in str(b) for b in message.blocks)
    assert "marked false alarm by @ana" in (note_of(message) or "")


def test_an_action_that_cannot_be_stored_is_not_acknowledged(store, slack, world, caplog):
    from sqlalchemy import text

    socket, _ = world
    poll(store, slack, analysed("first", BOYCOTT))
    with store.engine.begin() as connection:  # the store refuses every write of an answer
        connection.execute(text("ALTER TABLE feedback RENAME TO feedback_gone"))

    envelope = socket.deliver(block_actions(the_alert(slack), "false_alarm"))

    until(lambda: "could not store a false_alarm" in caplog.text, "the failure in the log")
    assert envelope not in socket.acks  # Slack tells the analyst; the click can be made again
    with store.engine.begin() as connection:
        connection.execute(text("ALTER TABLE feedback_gone RENAME TO feedback"))
    again = socket.deliver(block_actions(the_alert(slack), "false_alarm"))
    socket.wait_ack(again)
    assert [r.action for r in rows(store)] == ["false_alarm"]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_newswatch_serve_runs_the_listener_beside_the_server(store, slack, tmp_path):
    import os
    import signal
    import subprocess
    import sys

    from tests.fixtures.prefect_server import free_port
    from tests.test_cli import isolated_env

    poll(store, slack, analysed("first", BOYCOTT))
    sources = tmp_path / "sources.yaml"
    sources.write_text(f"sources:\n  - {{name: A, url: 'http://127.0.0.1:{free_port()}/x'}}\n")
    env = isolated_env(
        tmp_path / "data",
        SLACK_APP_TOKEN=slack.state.app_token,
        SLACK_BOT_TOKEN=slack.state.token,
        NEWSWATCH_SLACK_API_URL=slack.base_url,
        NEWSWATCH_DATABASE_URL=store.url,
        NEWSWATCH_PREFECT_PORT=str(free_port()),
    )
    with SocketModeStandIn(slack) as socket:
        process = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "serve", "--sources", str(sources)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            socket.wait_connected(timeout=300)  # after Prefect's database and server are up
            envelope = socket.deliver(block_actions(the_alert(slack), "false_alarm"))
            socket.wait_ack(envelope)
        finally:
            os.killpg(process.pid, signal.SIGINT)
            _, err = process.communicate(timeout=90)
    assert [r.action for r in rows(store)] == ["false_alarm"]
    assert "Traceback" not in err, err[-3000:]
    assert slack.state.app_token not in err
