"""Entity mentions: alias tables (entities.yaml) → canonical names.

Owns: loading the alias table, finding every mention of a state, person, organisation,
treaty or armed group in a sentence, and telling a capital used as a *place* ("the summit
in Minsk") from a capital standing for its government ("Minsk sent weapons"). Knows
nothing about event types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from detectors.trie import tries_regex

DEFAULT_ENTITIES = Path(__file__).with_name("entities.yaml")

# Kinds as used by rules.
STATE, PERSON, ORG, TREATY, ARMED = "state", "person", "org", "treaty", "armed_group"
# A venue that is not a capital (St Petersburg, Almaty): always a place, never an actor.
PLACE = "place"

# A capital right after one of these words is a place, not an actor.
_PLACE_PREPOSITIONS = re.compile(
    r"(?:\b(?:in|at|to|from|near|outside|into|via|visit|visited|visiting|visits|toward|towards)"
    r"|(?<!\w)(?:в|во|на|из|до|под|у|к|около))\s+$",
    re.IGNORECASE,
)
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Entity:
    """One canonical entity: `state` is the country it speaks for (itself for a state)."""

    name: str
    kind: str
    state: str | None


@dataclass(frozen=True, slots=True)
class Mention:
    """A mention of `entity` at `start:end` of the sentence; `via` is alias/capital/demonym."""

    entity: Entity
    start: int
    end: int
    via: str
    is_place: bool = False
    display: str | None = None  # a capital's canonical city name (first listed capital)


@dataclass(frozen=True, slots=True)
class _Alias:
    regex: re.Pattern[str]
    entity: Entity
    via: str
    text: str  # the alias as written in entities.yaml (after capitalisation variants)
    display: str | None = None  # capitals: the city's canonical name ("Минске" → Minsk)


@dataclass(frozen=True, slots=True)
class EntityTable:
    """Compiled alias table, indexed by first word: a sentence costs one dict lookup per
    word (plus a few stem lookups) instead of a scan with one huge alternation."""

    exact: dict[str, tuple[_Alias, ...]]  # first word -> aliases starting with it
    stems: dict[str, tuple[_Alias, ...]]  # first-word stem of a wildcard alias -> aliases
    stem_lengths: tuple[int, ...]
    stem_heads: frozenset[str]  # first two characters of every stem: a cheap pre-check
    by_name: dict[str, Entity]
    # Word starts that can open an alias (whole first words and wildcard stems) as one trie
    # regex: `find` visits only those words instead of every word of the sentence.
    heads: re.Pattern[str] | None = None

    def _candidates(self, word: str) -> tuple[_Alias, ...] | list[_Alias]:
        out = self.exact.get(word, ())
        if word[:2] not in self.stem_heads:
            return out
        more = list(out)
        for n in self.stem_lengths:
            if n > len(word):
                break
            more.extend(self.stems.get(word[:n], ()))
        return more

    def find(self, text: str, places: bool = False) -> list[Mention]:
        """Every non-overlapping mention in `text`, longest alias first.

        Venues that are not capitals (`places` in entities.yaml) are found only on request:
        callers that key on states, people and organisations see the table as before."""
        out: list[Mention] = []
        pos = 0
        words = _WORD.finditer(text)
        if self.heads is not None:
            words = (_WORD.match(text, h.start()) for h in self.heads.finditer(text))  # type: ignore[assignment]
        for w in words:
            if w is None:
                continue
            start = w.start()
            if start < pos:
                continue
            best: re.Match[str] | None = None
            best_alias: _Alias | None = None
            for alias in self._candidates(w.group(0)):
                if alias.via == "place" and not places:
                    continue
                m = alias.regex.match(text, start)
                if m and (best is None or m.end() > best.end()):
                    best, best_alias = m, alias
            if best is None or best_alias is None:
                continue
            is_place = best_alias.via == "place" or (
                best_alias.via == "capital"
                and bool(_PLACE_PREPOSITIONS.search(text[max(0, start - 12) : start]))
            )
            out.append(
                Mention(
                    best_alias.entity,
                    start,
                    best.end(),
                    best_alias.via,
                    is_place,
                    best_alias.display if is_place else None,
                )
            )
            pos = best.end()
        return out

    def state_of(self, name: str) -> str | None:
        """The state a canonical entity speaks for (None if unknown)."""
        e = self.by_name.get(name)
        return e.state if e else None


def _variants(alias: str) -> set[str]:
    # Lower-case entries (Russian adjectives) also occur capitalised at a sentence start.
    variants = {alias}
    if alias[:1].islower():
        variants.add(alias[:1].upper() + alias[1:])
    elif " " in alias and "\u0410" <= alias[:1] <= "\u042f":
        # Russian writes a treaty or body in lower case mid-sentence ("договора о …",
        # "совета Европы"): a multi-word Cyrillic name also matches lower-cased.
        variants.add(alias[:1].lower() + alias[1:])
    return variants


def _alias_regex(alias: str) -> re.Pattern[str]:
    """One alias as a regex matched at a word start; a trailing "*" makes a word a stem."""
    parts = []
    for w in alias.split():
        wild = w.endswith("*")
        core = w[:-1] if wild else w
        parts.append(re.escape(core) + (r"\w*" if wild else ""))
    return re.compile(r"\s+".join(parts) + r"(?!\w)")


def build_table(data: dict) -> EntityTable:
    """Compile the parsed entities.yaml into a first-word index of alias regexes."""
    entries: list[tuple[str, Entity, str, str | None]] = []
    by_name: dict[str, Entity] = {}
    for item in data.get("states", []):
        ent = Entity(item["name"], STATE, item["name"])
        by_name[ent.name] = ent
        for key, via in (("aliases", "alias"), ("capitals", "capital"), ("demonyms", "demonym")):
            names = item.get(key, []) or []
            # A capital is reported by its first listed name (the English one).
            city = str(names[0]) if via == "capital" and names else None
            entries.extend((a, ent, via, city) for a in names)
    for item in data.get("places", []) or []:
        ent = Entity(item["name"], PLACE, None)
        by_name[ent.name] = ent
        entries.extend((a, ent, "place", item["name"]) for a in item.get("aliases", []) or [])
    for section, kind in (
        ("people", PERSON),
        ("orgs", ORG),
        ("treaties", TREATY),
        ("armed_groups", ARMED),
    ):
        for item in data.get(section, []):
            ent = Entity(item["name"], kind, item.get("state"))
            by_name[ent.name] = ent
            entries.extend((a, ent, "alias", None) for a in item.get("aliases", []) or [])
    exact: dict[str, list[_Alias]] = {}
    stems: dict[str, list[_Alias]] = {}
    for raw, ent, via, city in entries:
        for alias in _variants(str(raw)):
            first = _WORD.search(alias)
            if not first:
                continue
            compiled = _Alias(_alias_regex(alias), ent, via, alias, city)
            head = first.group(0)
            if first.end() < len(alias) and alias[first.end()] == "*":
                stems.setdefault(head, []).append(compiled)
            else:
                exact.setdefault(head, []).append(compiled)
    groups = []
    if exact:
        groups.append((sorted(exact), r"(?!\w)"))
    if stems:
        groups.append((sorted(stems), ""))
    heads = re.compile(r"(?<!\w)" + tries_regex(groups)) if groups else None
    return EntityTable(
        heads=heads,
        exact={k: tuple(v) for k, v in exact.items()},
        stems={k: tuple(v) for k, v in stems.items()},
        stem_lengths=tuple(sorted({len(k) for k in stems})),
        stem_heads=frozenset(k[:2] for k in stems),
        by_name=by_name,
    )


@lru_cache(maxsize=8)
def load_entities(path: str | None = None) -> EntityTable:
    """Load and compile an alias table (the packaged entities.yaml by default)."""
    p = Path(path) if path else DEFAULT_ENTITIES
    with p.open(encoding="utf-8") as fh:
        # libyaml when PyYAML has it: the same data, ~10× faster (loaded before a run's first
        # page can be analysed).
        data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    return build_table(data)


def canonical(name: str, table: EntityTable | None = None) -> str | None:
    """Canonical name for a free-text name ("Lukashenka" -> "Alexander Lukashenko")."""
    table = table or load_entities()
    name = name.strip()
    for m in table.find(name):
        if m.start == 0 and m.end == len(name):
            return m.entity.name
    return None
