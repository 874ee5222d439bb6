"""Alert stage: what an analyst reads in Slack, and the two places it can go.

`render_*` turn a development into a Block Kit message (plus a plain-text fallback that carries
the article link). Every string that came from a feed or page is escaped for Slack mrkdwn, so a
feed can neither ping @channel nor disguise a link, and trimmed to Block Kit's limits.

Sinks deliver: `SlackSink` (slack-sdk WebClient, bot token) and `DryRunSink` (terminal + a JSON
lines file) share one small interface, so delivery (newswatch.delivery) does not care which.
Each posted message carries Slack message metadata with the outbox id, so after a crash the
sender can ask Slack whether a message was already posted instead of guessing.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TextIO
from urllib.parse import quote

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from newswatch.feedback_blocks import feedback_blocks
from newswatch.models import EventType, Headline, Modality, Part, Report

METADATA_EVENT = "newswatch_alert"
HEADER_MAX = 150  # Block Kit header text limit
SECTION_MAX = 3000  # Block Kit section text limit
EVIDENCE_MAX = 1200
FALLBACK_MAX = 3000

TYPE_TITLES = {
    EventType.SUMMIT_BOYCOTT: "Summit boycott",
    EventType.WITHDRAWAL_STATEMENT: "Withdrawal statement",
    EventType.ARMS_TRANSFER: "Arms transfer",
    EventType.DIPLOMATIC_RUPTURE: "Diplomatic rupture",
    EventType.DECLARATION_REFUSAL: "Declaration refusal",
}
TYPE_EMOJI = {
    EventType.SUMMIT_BOYCOTT: ":no_entry_sign:",
    EventType.WITHDRAWAL_STATEMENT: ":door:",
    EventType.ARMS_TRANSFER: ":rocket:",
    EventType.DIPLOMATIC_RUPTURE: ":broken_heart:",
    EventType.DECLARATION_REFUSAL: ":memo:",
}
MODALITY_WORDS = {
    Modality.ANNOUNCED: "announced",
    Modality.THREATENED: "threatened",
    Modality.CONSIDERING: "under consideration",
    Modality.CARRIED_OUT: "carried out",
    Modality.REPORTED: "reported",
}


def escape(text: str | None) -> str:
    """Escape the three characters Slack mrkdwn treats as control characters.

    `<!channel>`, `<@U123>` and `<http://x|label>` all need a literal `<`; escaped, they show
    as text and ping nobody."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def trim(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def escape_trim(text: str | None, limit: int) -> str:
    """Escape for mrkdwn, then fit `limit` without cutting an entity in half (escaping can make
    text five times longer, so trimming first could still break Block Kit's limits)."""
    out: list[str] = []
    size = 0
    for char in (text or "").strip():
        piece = escape(char)
        if size + len(piece) > limit - 1:
            return "".join(out).rstrip() + "…"
        out.append(piece)
        size += len(piece)
    return "".join(out)


def safe_url(url: str | None) -> str | None:
    """A link Slack will show as-is: http(s) only, and no characters that end a <url|label>."""
    if not url or not url.lower().startswith(("http://", "https://")):
        return None
    quoted = quote(url, safe=":/?#[]@!$&'()*+,;=%~.-_")
    return quoted if len(quoted) <= 2000 else None


def link(url: str | None, label: str) -> str:
    href = safe_url(url)
    label = escape_trim(label, 200) or "link"
    return f"<{href}|{label.replace('|', '¦')}>" if href else label


LANGUAGES = {
    "ru": "Russian",
    "uk": "Ukrainian",
    "hy": "Armenian",
    "be": "Belarusian",
    "kk": "Kazakh",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "tr": "Turkish",
    "az": "Azerbaijani",
    "ka": "Georgian",
}
# The life of an event, in order: where a development stands is shown against this line.
STAGES = (Modality.THREATENED, Modality.ANNOUNCED, Modality.CARRIED_OUT)
STAGE_OF = {
    Modality.CONSIDERING: Modality.THREATENED,
    Modality.THREATENED: Modality.THREATENED,
    Modality.ANNOUNCED: Modality.ANNOUNCED,
    Modality.CARRIED_OUT: Modality.CARRIED_OUT,
}


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count} {word if count == 1 else (words or word + 's')}"


def slack_date(when: datetime | None) -> str:
    """A Slack date token: shown in each reader's own time zone, with a UTC fallback."""
    if when is None:
        return "date unknown"
    utc = when.astimezone(UTC)
    return f"<!date^{int(utc.timestamp())}^{{date_short_pretty}} {{time}}|{utc:%Y-%m-%d %H:%M} UTC>"


def language_name(lang: str | None) -> str | None:
    """The article's language when it is not English (None for English or unknown)."""
    if not lang or lang.lower().startswith("en"):
        return None
    return LANGUAGES.get(lang.lower(), lang.upper())


def development_label(event_type: EventType, actors: Sequence[str], target: str | None) -> str:
    """The development in plain text: "Summit boycott: Armenia → CSTO summit, Minsk"."""
    return f"{TYPE_TITLES[event_type]}: {_who_to_whom(event_type, actors, target)}"


def _who_to_whom(event_type: EventType, actors: Sequence[str], target: str | None) -> str:
    who = _and_list(actors) or "unknown actor"
    arrow = "↔" if event_type == EventType.DIPLOMATIC_RUPTURE else "→"
    return f"{who} {arrow} {target}" if target else who


def _and_list(names: Sequence[str]) -> str:
    """Every actor, none dropped: "India, Saudi Arabia and South Africa"."""
    names = list(dict.fromkeys(names))
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def stage_line(modality: Modality) -> str:
    """Where the event stands in its life: "Stage: threatened → *announced* → carried out"."""
    current = None if modality == Modality.REPORTED else STAGE_OF[modality]
    steps = " → ".join(
        f"*{MODALITY_WORDS[s]}*" if s == current else MODALITY_WORDS[s] for s in STAGES
    )
    if modality == Modality.CONSIDERING:
        return f"Stage: {steps} (under consideration)"
    if modality == Modality.REPORTED:
        return f"Stage: *reported by others*, not confirmed ({steps})"
    return f"Stage: {steps}"


def _context(*texts: str) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": trim(t, SECTION_MAX)} for t in texts if t],
    }


def render_alert(
    headline: Headline,
    first: Report,
    *,
    also_reported: Sequence[Report] = (),
    escalates: str | None = None,
    part: Part | None = None,
) -> dict[str, Any]:
    """The top-level message for a development (re-rendered with its sources as reports come).

    Read top to bottom in three seconds: the header says what happened (type emoji, type,
    who → whom); below it the article, the stage, the reason, the proof (a body sentence),
    then small print: source and time, how many sources, and why newswatch thinks so."""
    label = development_label(headline.type, headline.actors, headline.target)
    header = trim(f"{TYPE_EMOJI[headline.type]} {label}", HEADER_MAX)
    lines = [f"*{link(first.url, first.title or first.url or 'article')}*"]
    lines.append(stage_line(headline.modality))
    if headline.reason:
        lines.append(f"*Stated reason:* {escape_trim(headline.reason, 300)}")
    if escalates:
        lines.append(f":arrow_up: *Moved on* from an earlier alert: {escalates}")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": True}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": trim("\n".join(lines), SECTION_MAX)},
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "> " + escape_trim(first.evidence, EVIDENCE_MAX).replace("\n", "\n> "),
            },
        },
        _context(_provenance(first), _part_note(part)),
    ]
    if also_reported:
        sources = {r.source for r in also_reported} | {first.source}
        others = sorted(sources - {first.source})
        blocks.append(
            _context(
                f":newspaper: Reported by {plural(len(sources), 'source')}"
                + (f" (also {escape(_and_list(others))})" if others else "")
                + f" · {plural(len(also_reported) + 1, 'report')}"
            )
        )
    blocks.append(
        _context(f"why: rule `{escape(headline.rule)}`, confidence {headline.confidence:.2f}")
    )
    if safe_url(first.url):
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Read the article"},
                        "url": safe_url(first.url),
                        "action_id": "open_article",
                    }
                ],
            }
        )
    blocks += feedback_blocks()  # feedback hook (#12): buttons when interactivity is configured
    fallback = f"{TYPE_EMOJI[headline.type]} {label} — {first.title} — {first.url or first.source}"
    return {"text": escape_trim(fallback, FALLBACK_MAX), "blocks": blocks}


def _part_note(part: Part | None) -> str:
    if part is None:
        return ""
    others = _and_list([TYPE_TITLES[t].lower() for t in part.others])
    return f":link: {part.index} of {part.total} developments in this article (also: {others})"


def render_reply(report: Report) -> dict[str, Any]:
    """A further report of a known development: one thread reply (outlet, headline, link)."""
    line = f":newspaper: *{escape(report.source)}*: {link(report.url, report.title or 'article')}"
    quote_ = "> " + escape_trim(report.evidence, 500).replace("\n", "\n> ")
    text = f"Also reported by {report.source}: {report.title} — {report.url or ''}"
    return {
        "text": escape_trim(text, FALLBACK_MAX),
        "blocks": [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": trim(f"{line}\n{quote_}", SECTION_MAX)},
            },
            _context(_provenance(report)),
        ],
    }


def render_notice(text: str) -> dict[str, Any]:
    """Operational notices (a source failing / recovering, a digest): plain mrkdwn."""
    return {
        "text": trim(text, FALLBACK_MAX),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": trim(text, SECTION_MAX)}}
        ],
    }


def _provenance(report: Report) -> str:
    parts = [f"*{escape(report.source)}*", slack_date(report.published)]
    if language := language_name(report.lang):
        parts.append(f"in {escape(language)}")
    if report.text_from == "feed":
        parts.append(
            f"read from the feed text ({escape(report.fallback_reason or 'page not used')})"
        )
    return " · ".join(parts)


# --- sinks ----------------------------------------------------------------------------------


class SinkError(Exception):
    """A delivery attempt failed.

    `permanent`: retrying cannot help until someone fixes the configuration.
    `transient`: an outage (5xx, connection trouble, rate limit) that a later attempt may pass.
    Codes of failures after which Slack *may* have posted anyway (no answer, or a 5xx) start with
    "http_5" or "connection_error"; everything else is Slack saying no."""

    def __init__(self, code: str, *, permanent: bool = False):
        self.code = code
        self.permanent = permanent
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
    """Slack Web API via slack-sdk. 429s are retried by slack-sdk (it honours Retry-After:
    Slack did not process the call). 5xx and connection errors are NOT retried blindly here:
    Slack may have posted anyway, so delivery first asks `find_posted`."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str | None = None,
        timeout: int = 15,
        rate_limit_retries: int = 3,
    ):
        kwargs: dict[str, Any] = {"token": token, "timeout": timeout}
        if base_url:
            kwargs["base_url"] = base_url.rstrip("/") + "/"
        self.client = WebClient(**kwargs)
        self.client.retry_handlers.append(
            RateLimitErrorRetryHandler(max_retry_count=rate_limit_retries)
        )
        self._channel_ids: dict[str, str] = {}

    def _call(self, method: str, **params: Any) -> dict[str, Any]:
        try:
            response = getattr(self.client, method)(**params)
        except SlackApiError as exc:
            status, error = exc.response.status_code, exc.response.get("error")
            if status >= 500:
                raise SinkError(f"http_{status}" + (f" {error}" if error else "")) from None
            if status == 429:
                raise SinkError("ratelimited") from None
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
            "chat_update", channel=channel_id, ts=ts, text=payload["text"], blocks=payload["blocks"]
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


class DryRunSink:
    """No Slack token: print each alert and append it as a JSON line to `path`."""

    def __init__(self, path: Path, out: TextIO | None = None):
        self.path = path
        self.out = out or sys.stdout
        path.parent.mkdir(parents=True, exist_ok=True)

    def _append(self, record: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")

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
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                if record.get("action") == "post" and record.get("alert_id") == alert_id:
                    return Posted(channel_id=record["channel"], ts=record["ts"])
        return None

    def permalink(self, channel_id: str, ts: str) -> str | None:
        return None
