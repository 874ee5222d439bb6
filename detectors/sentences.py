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
from pathlib import Path

from detectors.rules import RuleError, read_yaml

_PAGE_FILE = Path(__file__).parent / "rules" / "_page.yaml"


@dataclass(frozen=True, slots=True)
class _Furniture:
    """The page furniture of `rules/_page.yaml`, compiled."""

    boilerplate_line: re.Pattern[str]  # a whole stripped line to leave out
    tail_marker: re.Pattern[str]  # a whole stripped line after which the article has ended
    tail_marker_line: re.Pattern[str]  # the same, found anywhere in a text (MULTILINE)
    abbreviations: frozenset[str]


def load_furniture(path: Path = _PAGE_FILE) -> _Furniture:
    """Compile the page-furniture file; a malformed one raises RuleError naming file:line."""
    data = read_yaml(path)
    keys = {"furniture", "end_of_article", "abbreviations"}
    found = set(data) - {"__line__"}
    if found != keys:
        raise RuleError(path, 1, f"expected exactly the keys {sorted(keys)}, found {sorted(found)}")
    for key in keys:
        entries = data[key]
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise RuleError(path, data["__line__"], f"{key}: expected a list of strings")

    def either(key: str) -> str:
        return "|".join(e.replace(" ", r"\s+") for e in data[key])

    try:
        furniture = either("furniture")
        tail = either("end_of_article")
        return _Furniture(
            boilerplate_line=re.compile(rf"^(?:{furniture})$", re.IGNORECASE),
            tail_marker=re.compile(rf"^(?:{tail}):?\s*$", re.IGNORECASE),
            tail_marker_line=re.compile(
                rf"^[ \t]*(?:{tail}):?[ \t]*$", re.IGNORECASE | re.MULTILINE
            ),
            abbreviations=frozenset(e.lower() for e in data["abbreviations"]),
        )
    except re.error as e:
        raise RuleError(path, None, f"not a regular expression: {e}") from None


_PAGE = load_furniture()

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
    return token in _PAGE.abbreviations


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
    return bool(_PAGE.boilerplate_line.match(line.strip()))


def tail_start(text: str) -> int:
    """Offset of the first line after which nothing belongs to the article (or len)."""
    m = _PAGE.tail_marker_line.search(text)
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
        if _PAGE.tail_marker.match(stripped):
            break
        if is_boilerplate(stripped):
            continue
        out.extend(_split_line(raw, line_start, para))
        para += 1
        if limit is not None and len(out) >= limit:
            return tuple(out[:limit])
    return tuple(out)
