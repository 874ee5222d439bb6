"""Entity masking: a sentence with every entity mention replaced by a token of its kind.

Owns: the `Masked` value (masked text, the mentions, each token's kind letter and span)
and how a mention's kind becomes a letter. Must never judge whether a sentence reports an
event: rule matching and slot filling read the masked text, this module only writes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from detectors.entities import EntityTable, Mention
from detectors.rules import TOKEN_CLOSE, TOKEN_OPEN
from detectors.sentences import Sentence

_KIND_LETTER = {"person": "N", "org": "O", "treaty": "T", "armed_group": "A", "place": "P"}
# A token in masked text: its kind letter (group 1) and mention index (group 2).
TOKEN = re.compile(f"{TOKEN_OPEN}([A-Z])(\\d+){TOKEN_CLOSE}")


def letter(m: Mention) -> str:
    """The kind letter of a mention: a state used as a place is a place (P), a state named
    by its demonym is D, by name or capital S."""
    if m.entity.kind == "state":
        if m.is_place:
            return "P"
        return "D" if m.via == "demonym" else "S"
    return _KIND_LETTER[m.entity.kind]


@dataclass(slots=True)
class Masked:
    """A sentence with every entity mention replaced by a token naming its kind and index."""

    sentence: Sentence
    text: str
    mentions: list[Mention]
    letters: list[str]
    token_pos: list[tuple[int, int]]  # span of each token in `text`

    def name(self, i: int) -> str:
        """Canonical name of mention `i`."""
        return self.mentions[i].entity.name

    def original_pos(self, pos: int) -> int:
        """The position in the sentence as written that `pos` in the masked text stands for."""
        shift = 0
        for i, (s, e) in enumerate(self.token_pos):
            if e > pos:
                break
            m = self.mentions[i]
            shift += (e - s) - (m.end - m.start)
        return pos - shift


def mask(sentence: Sentence, table: EntityTable) -> Masked:
    """Replace entity mentions by tokens; typographic apostrophes become ASCII."""
    src = sentence.text.replace("\u2019", "'")
    mentions = table.find(src, places=True)
    parts: list[str] = []
    letters: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    length = 0
    for i, m in enumerate(mentions):
        chunk = src[pos : m.start]
        parts.append(chunk)
        length += len(chunk)
        kind = letter(m)
        tok = f"{TOKEN_OPEN}{kind}{i}{TOKEN_CLOSE}"
        parts.append(tok)
        spans.append((length, length + len(tok)))
        length += len(tok)
        letters.append(kind)
        pos = m.end
    parts.append(src[pos:])
    return Masked(sentence, "".join(parts), mentions, letters, spans)
