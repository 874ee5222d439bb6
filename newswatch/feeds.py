"""Parse stage: fetched feed bytes -> normalised `FeedItem`s.

feedparser does the format work (RSS 0.9x/1.0/2.0, Atom, encodings, dates, relative links).
This module only decides what identifies an item, which URL is canonical, and what counts as a
feed at all. A not-well-formed feed (feedparser's "bozo") still yields whatever entries it has.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from newswatch.models import FeedItem
from newswatch.sniff import looks_like_html

# Query parameters that only track the reader; dropping them makes syndicated copies of a link
# compare equal. Matched case-insensitively, by exact name or prefix.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "ref_src",
        "cmpid",
        "ocid",
        "_ga",
        "ito",
        "rss",
        "at_medium",
        "at_campaign",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "at_", "ns_")

MAX_URL_LENGTH = 2000  # longer links are not followed (and would not fit a Slack button)
_TAG = re.compile(r"<[^>]+>")
_FEED_LINK = re.compile(
    rb"<link\b[^>]*\btype=[\"']application/(?:rss|atom)\+xml[\"'][^>]*>", re.IGNORECASE
)
_HREF = re.compile(rb"\bhref=[\"']([^\"']+)[\"']", re.IGNORECASE)
_SPACE = re.compile(r"[ \t\r\f\v]+")


class FeedParseError(Exception):
    """The bytes are not a feed at all (HTML page, empty body, garbage)."""


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str
    items: tuple[FeedItem, ...]
    warning: str | None = None  # set when the feed was not well-formed but still had entries


def canonical_url(url: str, base: str | None = None) -> str | None:
    """Absolute http(s) URL without fragment and tracking parameters, or None."""
    url = (url or "").strip()
    if not url or len(url) > MAX_URL_LENGTH * 4:
        return None
    try:
        if base:
            url = urljoin(base, url)
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return None
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError:
        return None
    if any(c.isspace() or ord(c) < 32 for c in parts.netloc):
        return None
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
    ]
    netloc = parts.netloc.lower()
    # IRI -> URI: spaces, quotes, angle brackets and non-ASCII letters percent-encoded, so the
    # link is one unambiguous token wherever it is shown (Slack, logs, the artifact table).
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=~.-_")
    canonical = urlunsplit((parts.scheme.lower(), netloc, path, urlencode(query), ""))
    return canonical if len(canonical) <= MAX_URL_LENGTH else None


def html_to_text(fragment: str) -> str:
    """Feed summaries often carry HTML; newswatch reads them as plain text."""
    text = re.sub(r"(?i)<\s*(br|/p|/div|/li|/h\d)\b[^>]*>", "\n", fragment or "")
    text = html.unescape(_TAG.sub(" ", text))
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def parse_feed(
    content: bytes,
    *,
    source: str,
    url: str,
    headers: Mapping[str, str] | None = None,
) -> ParsedFeed:
    """Parse feed bytes fetched from `url`. Raises FeedParseError if there is no feed in them."""
    if not content.strip():
        raise FeedParseError("empty response body")
    try:
        return _parse(content, source=source, url=url, headers=headers)
    except FeedParseError:
        raise
    except Exception as exc:  # feedparser's loose parser can trip on hostile bytes
        raise FeedParseError(f"feed could not be parsed ({type(exc).__name__}: {exc})") from exc


def _parse(
    content: bytes, *, source: str, url: str, headers: Mapping[str, str] | None
) -> ParsedFeed:
    # Imported on the first feed that changed: a poll of feeds that all answer 304 never
    # parses one.
    import feedparser

    response_headers = {k.lower(): v for k, v in (headers or {}).items()}
    # feedparser resolves relative links against Content-Location: the URL the bytes came from.
    response_headers["content-location"] = url
    parsed = feedparser.parse(
        content,
        response_headers=response_headers,
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    parsed_version = parsed.get("version") or ""
    if not parsed.entries and not parsed_version:
        raise FeedParseError(_not_a_feed(content, parsed.get("bozo_exception"), url))
    warning = None
    cause = parsed.get("bozo_exception")
    if isinstance(cause, feedparser.NonXMLContentType):
        declared = response_headers.get("content-type", "").split(";")[0].strip()
        warning = f"served as {declared or 'no content type'}, not as a feed; parsed anyway"
    elif parsed.get("bozo"):
        warning = f"feed is not well-formed ({cause}); used what parsed"
    items: list[FeedItem] = []
    seen: set[str] = set()
    for entry in parsed.entries:
        item = _item_from_entry(entry, source=source, feed_url=url)
        if item is None or item.item_id in seen:
            continue  # duplicate guids within one feed: the first wins
        seen.add(item.item_id)
        items.append(item)
    return ParsedFeed(
        title=html_to_text(parsed.feed.get("title", "")), items=tuple(items), warning=warning
    )


def _not_a_feed(content: bytes, cause: object, url: str) -> str:
    if looks_like_html(content):
        # A site's home page instead of its feed: say where the feed is, if the page says so.
        for tag in _FEED_LINK.findall(content[:200_000]):
            href = _HREF.search(tag)
            feed_url = (
                canonical_url(href.group(1).decode("utf-8", "replace"), url) if href else None
            )
            if feed_url:
                return f"HTML page, not a feed (the page names a feed at {feed_url})"
        return "HTML page, not a feed"
    return f"not a feed ({cause or 'no entries'})"


def _item_from_entry(entry: Mapping, *, source: str, feed_url: str) -> FeedItem | None:
    link = canonical_url(entry.get("link") or "", base=feed_url)
    title = html_to_text(entry.get("title", ""))
    summary = _entry_text(entry)
    if not (link or title or summary):
        return None
    guid = (entry.get("id") or "").strip()
    if guid:
        item_id = guid
    elif link:
        item_id = link
    else:
        # No guid and no link: the content is all that identifies it.
        item_id = "sha1:" + hashlib.sha1(f"{title}\n{summary}".encode()).hexdigest()
    return FeedItem(
        source=source,
        item_id=item_id[:500],
        url=link,
        title=title,
        summary=summary,
        published=_entry_date(entry),
    )


def _entry_text(entry: Mapping) -> str:
    """The longest of the entry's content blocks and its summary, as plain text."""
    candidates = [c.get("value", "") for c in entry.get("content", []) or []]
    candidates.append(entry.get("summary", ""))
    texts = [html_to_text(c) for c in candidates if c]
    return max(texts, key=len, default="")


def _entry_date(entry: Mapping) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, TypeError):
                continue
    return None


# A feed that takes longer than this to parse is reported, not waited for (a normal 50-entry
# feed takes ~15 ms; a hostile, deeply nested 5 MB one took 72 s on the event loop).
PARSE_TIMEOUT = float(os.environ.get("NEWSWATCH_PARSE_TIMEOUT") or 20)


async def parse_feed_off_loop(
    content: bytes,
    *,
    source: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> ParsedFeed:
    """`parse_feed` in a worker process (newswatch.offload), bounded by `timeout` seconds: the
    event loop keeps serving every other source meanwhile. Raises FeedParseError as
    `parse_feed` does, also when the time runs out."""
    from newswatch.offload import WorkerDied, WorkerTimeout, shared_pool

    limit = PARSE_TIMEOUT if timeout is None else timeout
    try:
        return await shared_pool().run(
            parse_feed, content, source=source, url=url, headers=dict(headers or {}), timeout=limit
        )
    except WorkerTimeout:
        raise FeedParseError(
            f"parsing took longer than {limit:g}s ({len(content):,} bytes); skipped"
        ) from None
    except WorkerDied as error:
        raise FeedParseError(f"the feed's parser died: {error}") from None
