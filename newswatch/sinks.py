"""Sinks: where a rendered message goes — Slack (slack-sdk WebClient, bot token) or a dry run
(terminal + a JSON lines file). Both share one small interface, so delivery (newswatch.delivery)
does not care which.

Each posted message carries Slack message metadata with the outbox id, so after a lost answer
or a crash the sender can ask Slack whether a message was already posted instead of guessing.
A sink never re-posts on its own: a write whose answer was lost is reported to delivery, which
checks the history first. A sink never touches the store and never renders.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TextIO

# slack-sdk is imported by SlackSink only: a dry run (no token) never loads it.

METADATA_EVENT = "newswatch_alert"


class SinkError(Exception):
    """A delivery attempt failed.

    `permanent`: retrying cannot help until someone fixes the configuration.
    `transient`: an outage (5xx, connection trouble, rate limit) that a later attempt may pass.
    Codes of failures after which Slack *may* have posted anyway (no answer, or a 5xx) start with
    "http_5" or "connection_error"; everything else is Slack saying no."""

    def __init__(
        self, code: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        self.code = code
        self.permanent = permanent
        self.retry_after = retry_after  # a 429's Retry-After, in seconds
        super().__init__(code)

    @property
    def transient(self) -> bool:
        return may_have_posted(self.code) or self.code == "ratelimited"


def may_have_posted(error_code: str | None) -> bool:
    """After a failure with this code, could the message be in Slack all the same?"""
    return error_code is not None and error_code.startswith(("http_5", "connection_error"))


PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "missing_scope",
        "no_permission",
        "invalid_blocks",
        "msg_too_long",
        "restricted_action",
    }
)
AUTH_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)
# Errors that concern the channel or the token, not one message: every alert there waits.
CHANNEL_ERRORS = AUTH_ERRORS | frozenset(
    {"channel_not_found", "not_in_channel", "is_archived", "missing_scope", "no_permission"}
)


@dataclass(frozen=True)
class Posted:
    channel_id: str
    ts: str | None


class Sink(Protocol):
    def post(
        self, channel: str, payload: dict[str, Any], *, alert_id: int, thread_ts: str | None = None
    ) -> Posted: ...

    def update(self, channel_id: str, ts: str, payload: dict[str, Any]) -> None: ...

    def find_posted(
        self, channel: str, alert_id: int, *, since: datetime, thread_ts: str | None = None
    ) -> Posted | None: ...

    def permalink(self, channel_id: str, ts: str) -> str | None: ...


class SlackSink:
    """Slack Web API via slack-sdk, with two clients.

    Reads (history, channel list, permalinks) retry connection errors and honour 429s inside
    slack-sdk: repeating them changes nothing. Writes (chat.postMessage, chat.update) go through
    a client with NO retry handlers. slack-sdk's default connection-error handler would re-post
    a message whose answer was lost, and Slack has no idempotency key; its rate-limit handler
    would sleep out Retry-After while delivery holds the alert's lease. So a write that fails
    in any way is handed back to delivery as a SinkError (a 429 with its Retry-After), and
    delivery checks the history first, and renews its lease before waiting."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str | None = None,
        timeout: int = 15,
        rate_limit_retries: int = 3,
    ):
        from slack_sdk import WebClient
        from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

        kwargs: dict[str, Any] = {"token": token, "timeout": timeout}
        if base_url:
            kwargs["base_url"] = base_url.rstrip("/") + "/"
        self.client = WebClient(**kwargs)  # reads: default connection-error retry, plus 429s
        self.client.retry_handlers.append(
            RateLimitErrorRetryHandler(max_retry_count=rate_limit_retries)
        )
        self.writer = WebClient(**kwargs, retry_handlers=[])  # writes: never repeated blindly
        self._channel_ids: dict[str, str] = {}

    def _call(self, method: str, *, write: bool = False, **params: Any) -> dict[str, Any]:
        from slack_sdk.errors import SlackApiError

        client = self.writer if write else self.client
        try:
            response = getattr(client, method)(**params)
        except SlackApiError as exc:
            status, error = exc.response.status_code, exc.response.get("error")
            if status >= 500:
                raise SinkError(f"http_{status}" + (f" {error}" if error else "")) from None
            if status == 429:
                raise SinkError(
                    "ratelimited", retry_after=_retry_after(exc.response.headers)
                ) from None
            code = str(error or f"http_{status}")
            raise SinkError(code, permanent=code in PERMANENT_ERRORS) from None
        except Exception as exc:  # urllib errors: connection refused, reset, timeout
            raise SinkError(f"connection_error: {type(exc).__name__}") from None
        return response.data if isinstance(response.data, dict) else {}

    def post(
        self, channel: str, payload: dict[str, Any], *, alert_id: int, thread_ts: str | None = None
    ) -> Posted:
        data = self._call(
            "chat_postMessage",
            write=True,
            channel=channel,
            text=payload["text"],
            blocks=payload["blocks"],
            thread_ts=thread_ts,
            unfurl_links=False,
            unfurl_media=False,
            metadata={"event_type": METADATA_EVENT, "event_payload": {"alert_id": alert_id}},
        )
        # A minimal Slack-compatible server may omit these; threads and updates then degrade.
        channel_id = str(data.get("channel") or channel)
        self._channel_ids[channel] = channel_id
        return Posted(channel_id=channel_id, ts=data.get("ts"))

    def update(self, channel_id: str, ts: str, payload: dict[str, Any]) -> None:
        self._call(
            "chat_update",
            write=True,
            channel=channel_id,
            ts=ts,
            text=payload["text"],
            blocks=payload["blocks"],
        )

    def find_posted(
        self, channel: str, alert_id: int, *, since: datetime, thread_ts: str | None = None
    ) -> Posted | None:
        channel_id = self._channel_id(channel)
        oldest = f"{since.timestamp() - 60:.6f}"
        if thread_ts:
            data = self._call(
                "conversations_replies",
                channel=channel_id,
                ts=thread_ts,
                oldest=oldest,
                include_all_metadata=True,
                limit=200,
            )
        else:
            data = self._call(
                "conversations_history",
                channel=channel_id,
                oldest=oldest,
                include_all_metadata=True,
                limit=200,
            )
        for message in data.get("messages", []):
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and (metadata.get("event_payload") or {}).get("alert_id") == alert_id
            ):
                return Posted(channel_id=channel_id, ts=message["ts"])
        return None

    def permalink(self, channel_id: str, ts: str) -> str | None:
        try:
            return self._call("chat_getPermalink", channel=channel_id, message_ts=ts).get(
                "permalink"
            )
        except SinkError:
            return None

    def _channel_id(self, channel: str) -> str:
        if not channel.startswith("#"):
            return channel
        if channel not in self._channel_ids:
            cursor = None
            while True:
                data = self._call(
                    "conversations_list",
                    cursor=cursor,
                    limit=1000,
                    types="public_channel,private_channel",
                    exclude_archived=True,
                )
                for conversation in data.get("channels", []):
                    self._channel_ids["#" + conversation["name"]] = conversation["id"]
                cursor = (data.get("response_metadata") or {}).get("next_cursor")
                if channel in self._channel_ids or not cursor:
                    break
        if channel not in self._channel_ids:
            raise SinkError("channel_not_found", permanent=True)
        return self._channel_ids[channel]


def _retry_after(headers: Any) -> float | None:
    """Retry-After in seconds from a 429's headers (slack-sdk gives a dict, maybe of lists)."""
    for key, value in dict(headers or {}).items():
        if key.lower() == "retry-after":
            value = value[0] if isinstance(value, list) and value else value
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return None
    return None


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as handle:
        handle.seek(-1, 2)
        return handle.read(1) == b"\n"


class DryRunSink:
    """No Slack token: print each alert and append it as a JSON line to `path`."""

    def __init__(self, path: Path, out: TextIO | None = None):
        self.path = path
        self.out = out or sys.stdout
        path.parent.mkdir(parents=True, exist_ok=True)

    def _append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False) + "\n"
        try:
            with self.path.open("ab") as handle:
                # A write cut short (a full disk, a kill) leaves a torn last line: start on a
                # fresh line, so this record stays readable and the torn one is skipped.
                if handle.tell() > 0 and not _ends_with_newline(self.path):
                    line = "\n" + line
                handle.write(line.encode("utf-8"))
        except OSError as error:
            # Permanent for this run: every alert stays pending until the file can be written.
            raise SinkError(
                f"cannot write {self.path}: {error.strerror or error}", permanent=True
            ) from None

    def post(
        self, channel: str, payload: dict[str, Any], *, alert_id: int, thread_ts: str | None = None
    ) -> Posted:
        ts = f"dry-{alert_id}"
        self._append(
            {
                "action": "post",
                "alert_id": alert_id,
                "channel": channel,
                "ts": ts,
                "thread_ts": thread_ts,
                "at": datetime.now(UTC).isoformat(),
                **payload,
            }
        )
        prefix = "  ↳ " if thread_ts else "\n"
        print(f"{prefix}[{channel}] {payload['text']}", file=self.out, flush=True)
        return Posted(channel_id=channel, ts=ts)

    def update(self, channel_id: str, ts: str, payload: dict[str, Any]) -> None:
        self._append(
            {
                "action": "update",
                "channel": channel_id,
                "ts": ts,
                "at": datetime.now(UTC).isoformat(),
                **payload,
            }
        )

    def find_posted(
        self, channel: str, alert_id: int, *, since: datetime, thread_ts: str | None = None
    ) -> Posted | None:
        if not self.path.exists():
            return None
        with self.path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a torn line (a write cut short): that post never completed
                if (
                    isinstance(record, dict)
                    and record.get("action") == "post"
                    and record.get("alert_id") == alert_id
                ):
                    return Posted(channel_id=record["channel"], ts=record["ts"])
        return None

    def permalink(self, channel_id: str, ts: str) -> str | None:
        return None
