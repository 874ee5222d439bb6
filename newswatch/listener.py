"""The Slack Socket Mode listener (issue #12): analysts' clicks on alert buttons, stored.

Owns the Socket Mode connection — slack-sdk's built-in `SocketModeClient`, which needs nothing
beyond the standard library — and the answer to each envelope, in this order:
1. read the clicks of a `block_actions` payload (only newswatch's own action ids);
2. store each through `newswatch.feedback.record`, which accepts only a top-level alert this
   installation sent to that very message (message metadata `newswatch_alert` + the alert id,
   checked against the outbox's channel and ts);
3. acknowledge the envelope — after the store write, so once Slack has delivered an action it
   is never lost: if the write fails, the envelope stays unacknowledged and Slack tells the
   analyst it did not go through;
4. `chat.update` the message with a context line of every answer it has had
   ("marked false alarm by @name").
A lost connection is reopened with exponential back-off (slack-sdk's own reconnect is off: it
retries every few seconds for ever). Tokens are never logged. Never sends alerts.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from newswatch import feedback
from newswatch.feedback_blocks import ACTION_PREFIX, ACTIONS, WRONG_TYPE, with_note
from newswatch.settings import Settings
from newswatch.sinks import METADATA_EVENT, SinkError, SlackSink
from newswatch.store import Store

log = logging.getLogger(__name__)


def parse_clicks(payload: dict[str, Any]) -> list[feedback.Click]:
    """newswatch's clicks in a `block_actions` payload (other apps' actions are not ours).

    Raises NotOurAlert when the message carries metadata of anything but a newswatch alert."""
    message = payload.get("message") or {}
    container = payload.get("container") or {}
    user = payload.get("user") or {}
    channel_id = container.get("channel_id") or (payload.get("channel") or {}).get("id")
    message_ts = container.get("message_ts") or message.get("ts")
    user_id = user.get("id")
    if not (channel_id and message_ts and user_id):
        raise feedback.NotOurAlert("an action without channel, message or user")
    alert_id = None
    metadata = message.get("metadata")
    if metadata:
        event_payload = metadata.get("event_payload") or {}
        if metadata.get("event_type") != METADATA_EVENT or "alert_id" not in event_payload:
            raise feedback.NotOurAlert(f"a message that is not a newswatch alert ({channel_id})")
        try:
            alert_id = int(event_payload["alert_id"])
        except (TypeError, ValueError):
            raise feedback.NotOurAlert("a newswatch alert id that is not a number") from None
    clicks = []
    for action in payload.get("actions") or []:
        name = str(action.get("action_id") or "").removeprefix(ACTION_PREFIX)
        if not str(action.get("action_id") or "").startswith(ACTION_PREFIX) or name not in ACTIONS:
            continue
        value = None
        if name == WRONG_TYPE:
            value = (action.get("selected_option") or {}).get("value")
        try:
            acted_at = datetime.fromtimestamp(float(action["action_ts"]), UTC)
        except (KeyError, TypeError, ValueError):
            acted_at = datetime.now(UTC)
        clicks.append(
            feedback.Click(
                action=name,
                value=value,
                user_id=str(user_id),
                user_name=str(user.get("username") or user.get("name") or user_id)[:200],
                channel_id=str(channel_id),
                message_ts=str(message_ts),
                alert_id=alert_id,
                acted_at=acted_at,
            )
        )
    return clicks


class Listener:
    """`Listener(store, app_token, bot_token).start()` … `.stop()`; safe to stop twice."""

    def __init__(
        self,
        store: Store,
        app_token: str,
        bot_token: str,
        *,
        api_url: str | None = None,
        backoff_initial: float = 1.0,
        backoff_max: float = 60.0,
        stable_after: float = 30.0,
        ping_interval: float = 5.0,
    ):
        self.store = store
        self.sink = SlackSink(bot_token, base_url=api_url)
        web = WebClient(base_url=api_url.rstrip("/") + "/") if api_url else WebClient()
        self.client = SocketModeClient(
            app_token=app_token,
            web_client=web,
            auto_reconnect_enabled=False,  # reconnecting is ours, with back-off
            ping_interval=ping_interval,
            logger=logging.getLogger("newswatch.listener.socket"),
        )
        self.client.socket_mode_request_listeners.append(self._on_request)
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.stable_after = stable_after
        self.connections = 0  # sessions opened so far (tests and logs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- connection -----------------------------------------------------------------------

    def start(self) -> Listener:
        self._thread = threading.Thread(target=self._supervise, name="slack-listener", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.client.close()
        log.info("Slack listener stopped")

    def connected(self) -> bool:
        return self.client.is_connected()

    def _supervise(self) -> None:
        delay = self.backoff_initial
        connected_at: float | None = None
        while not self._stop.is_set():
            if self.client.is_connected():
                self._stop.wait(0.2)
                continue
            if connected_at is not None:
                lasted = time.monotonic() - connected_at
                connected_at = None
                log.warning("Slack Socket Mode connection lost after %.0f s; reconnecting", lasted)
                if lasted >= self.stable_after:
                    delay = self.backoff_initial  # a long, healthy session: start afresh
                else:  # a connection that keeps dropping must not become a tight loop
                    self._stop.wait(delay)
                    delay = min(delay * 2, self.backoff_max)
                    continue
            try:
                self.client.connect_to_new_endpoint()
            except Exception as error:  # the API answers no, or is unreachable: wait, retry
                log.warning(
                    "Slack Socket Mode: cannot open a connection (%s); retrying in %.0f s",
                    _describe(error),
                    delay,
                )
            if self.client.is_connected():
                self.connections += 1
                connected_at = time.monotonic()
                log.info("Slack Socket Mode connected (session %d)", self.connections)
                continue
            self._stop.wait(delay)
            delay = min(delay * 2, self.backoff_max)

    # --- envelopes ------------------------------------------------------------------------

    def _on_request(self, client: SocketModeClient, request: SocketModeRequest) -> None:
        recorded: list[tuple[feedback.Recorded, dict[str, Any]]] = []
        if request.type == "interactive" and request.payload.get("type") == "block_actions":
            try:
                clicks = parse_clicks(request.payload)
            except feedback.NotOurAlert as error:
                log.warning("ignored an action on %s", error)
                clicks = []
            for click in clicks:
                try:
                    result = feedback.record(self.store, click)
                except feedback.NotOurAlert as error:
                    log.warning("ignored a %s by %s: %s", click.action, click.user_id, error)
                    continue
                except Exception:
                    # Not acknowledged: Slack shows the analyst the click failed; nothing stored
                    # is lost, and the same click can simply be made again.
                    log.exception("could not store a %s by %s", click.action, click.user_id)
                    return
                log.info(
                    "alert %s: %s%s by %s%s",
                    result.alert_id,
                    click.action,
                    f"={click.value}" if click.value else "",
                    click.user_id,
                    " (again)" if result.duplicate else "",
                )
                recorded.append((result, request.payload.get("message") or {}))
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        if recorded:
            result, message = recorded[-1]  # one note covers every answer the alert has had
            self._show(result, message, request.payload)

    def _show(self, result: feedback.Recorded, message: dict[str, Any], payload: dict) -> None:
        container = payload.get("container") or {}
        channel_id = container.get("channel_id") or (payload.get("channel") or {}).get("id")
        ts = container.get("message_ts") or message.get("ts")
        blocks = message.get("blocks")
        if not (channel_id and ts and isinstance(blocks, list)):
            return
        update = {"text": message.get("text") or "", "blocks": with_note(blocks, result.note)}
        try:
            self.sink.update(channel_id, ts, update)
        except SinkError as error:  # cosmetic: the answer is stored either way
            log.warning("could not show feedback on alert %s: %s", result.alert_id, error.code)


def _describe(error: Exception) -> str:
    """An error for the log: its type and Slack's error code, never request headers or tokens."""
    response = getattr(error, "response", None)
    code = response.get("error") if response is not None and hasattr(response, "get") else None
    return f"{type(error).__name__}: {code}" if code else type(error).__name__


# --- process entry points --------------------------------------------------------------------


def start_listener(settings: Settings, store: Store | None = None) -> Listener | None:
    """Start the listener when interactivity is configured (SLACK_APP_TOKEN); None otherwise.
    For `newswatch serve`, which stops it with `listener.stop()` when the server stops."""
    if settings.slack_app_token is None:
        return None
    if settings.slack_bot_token is None:
        log.error("SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not: the listener is not started")
        return None
    listener = Listener(
        store or Store(settings.resolved_database_url),
        settings.slack_app_token.get_secret_value(),
        settings.slack_bot_token.get_secret_value(),
        api_url=settings.slack_api_url,
    )
    return listener.start()


def listen(settings: Settings) -> int:
    """`newswatch listen`: run the listener alone until interrupted (SIGINT or SIGTERM)."""
    if settings.slack_app_token is None or settings.slack_bot_token is None:
        missing = "SLACK_APP_TOKEN" if settings.slack_app_token is None else "SLACK_BOT_TOKEN"
        print(f"newswatch listen: {missing} is not set", file=sys.stderr)
        return 2
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    listener = start_listener(settings)
    assert listener is not None
    print("newswatch: listening for feedback from Slack (Ctrl-C to stop)", file=sys.stderr)
    try:
        while not stopped.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        listener.stop()
    return 0
