"""Sentence splitting and boilerplate removal.

Owns: turning an article body into `Sentence` spans over the *original* string (offsets
are never shifted), with site furniture ("Read more: …", "Share this post", cookie
banners, comment forms) left out. Must never rewrite or normalise the text itself: the
detector quotes sentences verbatim as evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Lines that are site furniture, not article prose. Matched against a whole stripped line.
_BOILERPLATE_LINE = re.compile(
    r"""^(?:
        (?:read|see)\s+(?:more|also)\b.*
      | related(?:\s+(?:articles?|news|stories|posts?))?\s*:?.*
      | share\s+(?:this|on)\b.*
      | (?:leave|post)\s+a\s+(?:comment|reply)\b.*
      | \d+\s+comments?
      | you\s+(?:need|must)\s+(?:to\s+)?(?:log\s*-?\s*in|be\s+logged\s+in)\b.*
      | your\s+email\s+address\s+will\s+not\s+be\s+published.*
      | this\s+site\s+uses\s+akismet.*
      | subscribe\b.*
      | sign\s+up\s+for\b.*
      | follow\s+us\b.*
      | (?:recent|latest|more)\s+(?:news|posts|stories)\b.*
      | more\s+in\s+\w+.*
      | editor'?s?\s+pick.*
      | (?:photo|image|source|credit)s?\s*:.*
      | .*\b(?:cookies?|privacy\s+policy)\b.*
      | читайте\s+(?:также|далее)\b.*
      | подпис\w+\s+на\b.*
      | поделит\w+.*
      | источник\s*:.*
      | фото\s*:.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

# A line after which nothing more belongs to the article (comment sections, link lists).
# Russian link-list headers that close a page ("Новости партнеров", "Самое читаемое",
# "Похожие материалы"); not "Читайте также" / "По теме", which also head boxes inside
# an article whose text goes on after them.
_TAIL_WORDS = (
    r"leave\s+a\s+(?:reply|comment)|recent\s+news|related\s+(?:articles|news)"
    r"|comments?|оставить\s+комментарий|комментарии"
    r"|новости\s+партн[её]ров|самое\s+(?:читаемое|популярное|обсуждаемое)"
    r"|похожие\s+(?:материалы|новости|статьи|публикации)|последние\s+новости"
    r"|лента\s+новостей|другие\s+новости|выбор\s+редакции"
)
_TAIL_MARKER = re.compile(rf"^(?:{_TAIL_WORDS}):?\s*$", re.IGNORECASE)

_TAIL_MARKER_LINE = re.compile(
    rf"^[ \t]*(?:{_TAIL_WORDS}):?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)

# Tokens that end with a period but do not end a sentence.
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "lt",
        "col",
        "maj",
        "capt",
        "sgt",
        "adm",
        "gov",
        "sen",
        "rep",
        "rev",
        "st",
        "jr",
        "sr",
        "no",
        "nos",
        "vs",
        "etc",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "approx",
        "dept",
        "est",
        "inc",
        "ltd",
        "corp",
        "co",
        "fig",
        "e.g",
        "i.e",
        "u.s",
        "u.k",
        "u.n",
        "a.m",
        "p.m",
        "т.е",
        "т.д",
        "т.п",
        "г",
        "гг",
        "им",
        "ул",
        "др",
        "проф",
        "ген",
        "см",
        "напр",
        "млн",
        "млрд",
        "тыс",
        "руб",
        "долл",
    ]
)

# Candidate boundary: terminal punctuation, optional closing quotes/brackets, whitespace,
# then something that can start a sentence (capital letter, digit or opening quote).
_BOUNDARY = re.compile(r"[.!?…]+[\"'»”’)\]]*\s+(?=[\"'«“„(\[]?[A-ZА-ЯЁ0-9])")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence: `text` is exactly `source[start:end]`; `para` is its paragraph index."""

    text: str
    start: int
    end: int
    para: int


def _last_token(chunk: str) -> str | None:
    """The run of non-spaces ending the chunk, as `re.search(r"(\\S+)$", chunk)` finds it
    (`$` also matches before a final newline), or None. Read from the end: the regex search
    tries every position of the chunk, and the chunk grows with every candidate boundary."""
    if chunk.endswith("\n"):
        chunk = chunk[:-1]
    if not chunk or chunk[-1].isspace():  # str.isspace and \s: the same characters
        return None
    return chunk.rsplit(None, 1)[-1]


def _is_abbreviation(chunk: str) -> bool:
    last = _last_token(chunk)
    if last is None:
        return False
    token = last.rstrip(".!?…").lstrip("\"'«“(").lower()
    # Single initials ("G. Lukashenko") and dotted acronyms ("U.S.") never end a sentence.
    if len(token) == 1 and token.isalpha():
        return True
    return token in _ABBREVIATIONS


def _split_line(line: str, offset: int, para: int) -> list[Sentence]:
    out: list[Sentence] = []
    start = 0
    for m in _BOUNDARY.finditer(line):
        cut = m.end()
        if _is_abbreviation(line[start : m.start() + 1]):
            continue
        _append(out, line, start, cut, offset, para)
        start = cut
    _append(out, line, start, len(line), offset, para)
    return out


def _append(out: list[Sentence], line: str, a: int, b: int, offset: int, para: int) -> None:
    piece = line[a:b]
    stripped = piece.strip()
    if not stripped:
        return
    lead = len(piece) - len(piece.lstrip())
    s = offset + a + lead
    out.append(Sentence(stripped, s, s + len(stripped), para))


def is_boilerplate(line: str) -> bool:
    """True if a whole line is site furniture rather than article prose."""
    return bool(_BOILERPLATE_LINE.match(line.strip()))


def tail_start(text: str) -> int:
    """Offset of the first line after which nothing belongs to the article (or len)."""
    m = _TAIL_MARKER_LINE.search(text)
    return m.start() if m else len(text)


def paragraph_sentences(text: str, start: int) -> list[Sentence]:
    """Sentences of the line (paragraph) beginning at `start`; [] for boilerplate."""
    end = text.find("\n", start)
    if end < 0:
        end = len(text)
    line = text[start:end]
    if not line.strip() or is_boilerplate(line):
        return []
    return _split_line(line, start, text.count("\n", 0, start))


def split_sentences(text: str) -> list[Sentence]:
    """Split `text` into sentences with offsets into `text`, skipping boilerplate lines.

    Lines are paragraphs (news bodies use one line or a blank-line-separated block per
    paragraph); a sentence never crosses a line break.
    """
    return list(_split_cached(text))


def lead_sentences(text: str, n: int) -> list[Sentence]:
    """The first `n` sentences of `text` (as `split_sentences` gives them), splitting no more
    of the text than needed."""
    return list(_split_cached(text, n))


@lru_cache(maxsize=64)
def _split_cached(text: str, limit: int | None = None) -> tuple[Sentence, ...]:
    out: list[Sentence] = []
    pos = 0
    para = 0
    for raw in text.split("\n"):
        line_start = pos
        pos += len(raw) + 1
        stripped = raw.strip()
        if not stripped:
            continue
        if _TAIL_MARKER.match(stripped):
            break
        if is_boilerplate(stripped):
            continue
        out.extend(_split_line(raw, line_start, para))
        para += 1
        if limit is not None and len(out) >= limit:
            return tuple(out[:limit])
    return tuple(out)
