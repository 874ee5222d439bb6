"""Rendering: what an analyst reads in Slack, built from a development and its reports.

`render_*` turn a development into a Block Kit message (plus a plain-text fallback that carries
the article link). Every string that came from a feed or page is neutralised for Slack mrkdwn
(see `escape`), so a feed can neither ping anyone, disguise a link, format or reorder text, and
trimmed to Block Kit's limits.

This module never sends anything (newswatch.sinks does) and never touches the store.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from newswatch.feedback_blocks import feedback_blocks
from newswatch.models import EventType, Headline, Modality, Part, Report

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


# Bidirectional embedding, override and isolate controls: they reorder what a reader sees
# ("gpj.exe" shown as "exe.jpg"), so feed text loses them.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Plain "@channel", "@here", "@everyone" (also with zero-width characters slipped in): the
# "@" becomes a full-width "＠", which Slack never reads as a broadcast.
_BROADCAST = re.compile(r"@(?=[\u200b-\u200d\u2060\ufeff]*(?:channel|here|everyone)\b)", re.I)
# mrkdwn has no escape for its formatting characters (Slack's formatting reference lists only
# &, < and > as escapable): feed text gets look-alikes, so *bold*, _italic_, ~strike~,
# `code` and ``` fences show as typed instead of formatting the message.
_FORMATTING = str.maketrans({"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"})


def strip_bidi(text: str | None) -> str:
    """Text without bidi controls (for plain_text fields, which Slack never formats)."""
    return _BIDI.sub("", text or "")


def neutralise(text: str | None) -> str:
    """Feed text that can neither ping, reorder nor format a message (not yet entity-escaped)."""
    return _BROADCAST.sub("\uff20", strip_bidi(text)).translate(_FORMATTING)


def escape_entities(text: str | None) -> str:
    """Escape the three characters Slack mrkdwn treats as control characters.

    `<!channel>`, `<@U123>` and `<http://x|label>` all need a literal `<`; escaped, they show
    as text and ping nobody. For newswatch's own strings (rule ids, URLs it built)."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape(text: str | None) -> str:
    """Feed text made safe for mrkdwn: neutralised (see `neutralise`), then entity-escaped."""
    return escape_entities(neutralise(text))


def trim(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def escape_trim(text: str | None, limit: int) -> str:
    """Escape for mrkdwn, then fit `limit` without cutting an entity in half (escaping can make
    text five times longer, so trimming first could still break Block Kit's limits)."""
    out: list[str] = []
    size = 0
    for char in neutralise(text).strip():
        piece = escape_entities(char)
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


def _mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn text object. `verbatim`: Slack does no automatic parsing of its own (no
    auto-linked URLs or channel names, no mentions); only the <…> sequences newswatch wrote
    itself are read."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _context(*texts: str) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [_mrkdwn(trim(t, SECTION_MAX)) for t in texts if t],
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
    header = trim(strip_bidi(f"{TYPE_EMOJI[headline.type]} {label}"), HEADER_MAX)
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
            "text": _mrkdwn(trim("\n".join(lines), SECTION_MAX)),
        },
        {
            "type": "section",
            "text": _mrkdwn("> " + escape_trim(first.evidence, EVIDENCE_MAX).replace("\n", "\n> ")),
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
        _context(
            f"why: rule `{escape_entities(headline.rule)}`, confidence {headline.confidence:.2f}"
        )
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
    fallback = _fallback(
        f"{label} — {first.title}", first.url, first.source, own=f"{TYPE_EMOJI[headline.type]} "
    )
    return {"text": fallback, "blocks": blocks}


def _fallback(head: str, url: str | None, otherwise: str = "", *, own: str = "") -> str:
    """The plain-text fallback (notifications, old clients): feed text (`head`) neutralised,
    newswatch's own prefix (an emoji code) and the link kept working."""
    href = safe_url(url)
    tail = escape_entities(href) if href else escape(otherwise)
    room = FALLBACK_MAX - len(own) - len(tail) - 3
    return (own + escape_trim(head, room) + " — " + tail).strip()


def _part_note(part: Part | None) -> str:
    if part is None:
        return ""
    others = _and_list([TYPE_TITLES[t].lower() for t in part.others])
    return f":link: {part.index} of {part.total} developments in this article (also: {others})"


def render_reply(report: Report) -> dict[str, Any]:
    """A further report of a known development: one thread reply (outlet, headline, link)."""
    line = f":newspaper: *{escape(report.source)}*: {link(report.url, report.title or 'article')}"
    quote_ = "> " + escape_trim(report.evidence, 500).replace("\n", "\n> ")
    text = _fallback(f"Also reported by {report.source}: {report.title}", report.url)
    return {
        "text": text,
        "blocks": [
            {
                "type": "section",
                "text": _mrkdwn(trim(f"{line}\n{quote_}", SECTION_MAX)),
            },
            _context(_provenance(report)),
        ],
    }


def render_notice(text: str) -> dict[str, Any]:
    """Operational notices (a source failing / recovering, a digest): plain mrkdwn."""
    return {
        "text": trim(text, FALLBACK_MAX),
        "blocks": [{"type": "section", "text": _mrkdwn(trim(text, SECTION_MAX))}],
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
