"""Cheap first pass over a whole article: where could any rule possibly match?

Owns: compiling every type's `prefilter` stem groups (plus the first words of
organisation aliases for `@org`) into one trie-shaped regex over lower-cased text, and
turning its hits into "sentence S may hold type T" (every stem group of T hit within S).
Running one trie regex instead of dozens of alternations is what keeps `detect()` at
well under a millisecond for an ordinary long article. Must stay a necessary condition:
it may let through sentences that no rule matches, never the reverse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from detectors.entities import EntityTable
from detectors.rules import LanguageRules
from detectors.trie import tries_regex


@dataclass(frozen=True, slots=True)
class Scanner:
    """Compiled first pass for one language and entity table."""

    regex: re.Pattern[str]
    # matched string -> (type index, group index) pairs it satisfies
    ids: dict[str, frozenset[tuple[int, int]]]
    groups_per_type: tuple[int, ...]
    _required: tuple[frozenset[tuple[int, int]], ...]  # per type: all its (type, group) ids

    def hits(self, text: str) -> list[tuple[int, frozenset[tuple[int, int]]]]:
        """(position, satisfied groups) for every stem hit in `text`."""
        low = normalise(text)
        ids = self.ids
        return [(m.start(), ids[m.group(0)]) for m in self.regex.finditer(low)]

    def types_in(self, hits: list[frozenset[tuple[int, int]]]) -> list[int]:
        """Indices of types all of whose stem groups are among `hits`."""
        seen = frozenset().union(*hits)
        return [t for t, need in enumerate(self.required) if need <= seen]

    @property
    def required(self) -> tuple[frozenset[tuple[int, int]], ...]:
        return self._required


def normalise(text: str) -> str:
    """Lower-case with ASCII apostrophes; same length as `text`, so offsets carry over."""
    return text.lower().replace("\u2019", "'")


def _entity_words(table: EntityTable, kinds: tuple[str, ...]) -> tuple[set[str], set[str]]:
    """For every alias of these kinds, its longest word: any mention must contain it, and
    it is rarer than a first word such as "new" or "world". Returns (words, stems)."""
    words: set[str] = set()
    stems: set[str] = set()
    for aliases in (*table.exact.values(), *table.stems.values()):
        for a in aliases:
            if a.entity.kind not in kinds:
                continue
            # The whole word with its punctuation ("u.n.", "g-20", "non-aligned"): its
            # first \w-run alone ("u", "g") would hit half the words of any page.
            longest = max(a.text.split(), key=lambda w: len(w.rstrip("*")))
            if not re.match(r"\w", longest):
                continue
            if longest.endswith("*"):
                stems.add(normalise(longest[:-1]))
            else:
                words.add(normalise(longest))
    return words, stems


_WORD_CHAR = re.compile(r"\w")

_CACHE: dict[tuple[int, int], tuple[LanguageRules, EntityTable, Scanner]] = {}


def build_scanner(lr: LanguageRules, table: EntityTable) -> Scanner:
    """The scanner for `lr` and `table`, compiled once per pair."""
    key = (id(lr), id(table))
    hit = _CACHE.get(key)
    if hit is None or hit[0] is not lr or hit[1] is not table:
        hit = (lr, table, _compile_scanner(lr, table))
        _CACHE[key] = hit
    return hit[2]


def _compile_scanner(lr: LanguageRules, table: EntityTable) -> Scanner:
    """Compile the stem groups of every type of `lr` into one trie regex."""
    stem_ids: dict[str, set[tuple[int, int]]] = {}
    word_ids: dict[str, set[tuple[int, int]]] = {}
    groups_per_type = []
    for t, tr in enumerate(lr.types):
        groups_per_type.append(len(tr.prefilter))
        for g, entries in enumerate(tr.prefilter):
            for e in entries:
                if e in ("@org", "@treaty"):
                    words, stems = _entity_words(table, (e[1:],))
                    for w in words:
                        word_ids.setdefault(w, set()).add((t, g))
                    for s in stems:
                        stem_ids.setdefault(s, set()).add((t, g))
                elif e.startswith("="):
                    # "=no": the whole word only, not every word starting with it.
                    word_ids.setdefault(normalise(e[1:]), set()).add((t, g))
                else:
                    stem_ids.setdefault(normalise(e), set()).add((t, g))
    stems = sorted(stem_ids)

    # One hit is reported per position, so a hit also counts for every shorter stem it
    # starts with ("endorse" also satisfies a group that lists "end"), and for every whole
    # word it starts with ("not taking part" also satisfies a group that lists "=not").
    def _covered(hit: str) -> frozenset[tuple[int, int]]:
        out = {i for p in stems if hit.startswith(p) for i in stem_ids[p]}
        for w, wid in word_ids.items():
            if hit == w or (hit.startswith(w) and not _WORD_CHAR.match(hit, len(w))):
                out |= wid
        return frozenset(out)

    ids = {h: _covered(h) for h in (*stems, *word_ids)}
    # Rule stems match word starts; entity names ("un", "eu") only whole words: at a word
    # start, the longest stem, else the longest whole word.
    groups = [(stems, "")] if stems else []
    if word_ids:
        groups.append((sorted(word_ids), r"(?!\w)"))
    # A pattern that can never match when there is nothing to look for.
    regex = re.compile(r"(?<!\w)" + tries_regex(groups) if groups else r"(?!x)x")
    required = tuple(frozenset((t, g) for g in range(n)) for t, n in enumerate(groups_per_type))
    return Scanner(regex, ids, tuple(groups_per_type), required)
