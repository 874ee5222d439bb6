"""Rule files (detectors/rules/<lang>/*.yaml) → compiled, validated rule sets.

Owns: reading the YAML, expanding the placeholders of the rule language ({MACRO},
{ORG:target}, {_4}), compiling the regular expressions once, and reporting any malformed
rule as `RuleError` naming file and line. Must never match text: that is engine.py's job.

Placeholder language (see detectors/README.md for the analyst's version):
  {NAME}          a macro: a list of alternatives from `macros:` (type file, then _language)
  {_N}            up to N arbitrary words
  {ORG} {STATE} … an entity mention of that kind (ENTITY_CLASSES); {ORG:target} also
                  records the mention as the detection's target (or actor)
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from detectors.types import EventType, Modality

RULES_DIR = Path(__file__).with_name("rules")

# Masked entity tokens: U+E000 <kind letter> <mention index> U+E001. Letters:
# S state named by alias or capital, D state named by demonym, P capital used as a place,
# N person, O organisation, T treaty, A armed group.
TOKEN_OPEN, TOKEN_CLOSE = "\ue000", "\ue001"
ENTITY_CLASSES: dict[str, str] = {
    "ORG": "OT",
    "NAMEDORG": "O",
    "TREATY": "T",
    "STATE": "SD",
    "COUNTRY": "S",
    "PERSON": "N",
    "ACTOR": "SDN",
    "PARTY": "SDNAP",
    "PLACE": "P",
    "ARMED": "A",
    "ANY": "SDPNOTA",
}
SLOTS = ("actor", "target")
SUBJECTS = ("actor", "target", "none")
# `context`: the article's title, its lead and the sentence before the match's sentence,
# masked (where a report names the meeting or organisation a sentence leaves implicit).
SCOPES = ("sentence", "clause", "left", "right", "match", "context")
_PLACEHOLDER = re.compile(r"\{(_\d+|[A-Z][A-Z_0-9]*)(?::(actor|target))?\}")


class RuleError(ValueError):
    """A rule file is malformed; the message starts with `file:line:`."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path, self.line = str(path), line
        super().__init__(f"{path}:{line if line is not None else '?'}: {message}")


# libyaml's parser when PyYAML has it (the same values and line marks, ~10× faster than the
# pure-Python one): rules are loaded before the first page of every run can be analysed.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):  # type: ignore[misc,valid-type]
    """SafeLoader that records the 1-based line of every mapping under '__line__'."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass(frozen=True, slots=True)
class Cond:
    """A regex that vetoes (unless) or is required by a rule, checked within `scope`."""

    id: str
    regex: re.Pattern[str]
    scope: str = "sentence"


@dataclass(frozen=True, slots=True)
class Rule:
    """One trigger pattern of one event type."""

    id: str
    regex: re.Pattern[str]
    confidence: float
    modality: Modality | None
    unless: tuple[Cond, ...]
    requires: tuple[Cond, ...]
    subject: str  # which slot the grammatical subject (left of the trigger) fills
    source: str  # "file:line", for error messages and debugging
    # With no subject left of the trigger, the first actor right of its start (inside the
    # clause) is the subject: verb-first orders ("на саммит не приедет премьер Армении").
    subject_right: bool = False
    # For explanations only: the placeholders every match of each pattern must contain,
    # as (name, regex), so a trace can say "has {LEAVE}, lacks {ORGREF}".
    parts: tuple[tuple[tuple[str, re.Pattern[str]], ...], ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class TypeRules:
    """All rules of one event type in one language."""

    type: EventType
    prefilter: tuple[tuple[str, ...], ...]  # stem groups; each must hit before rules run
    rules: tuple[Rule, ...]
    unless: tuple[Cond, ...]
    requires: tuple[Cond, ...]
    need: frozenset[str]  # slots that must be filled for a detection
    actor_kinds: str  # kind letters accepted as actor
    target_kinds: str  # kind letters accepted as target
    preps: dict[str, str]  # preposition -> slot its entity object fills
    default_modality: Modality
    allowed_modality: frozenset[Modality]
    target_format: str  # how the target string is built (see engine._format_target)
    org_fallback: bool  # resolve a missing target from the article's main organisation
    with_reason: bool
    pairs: tuple[re.Pattern[str], ...]  # patterns naming both parties (actor_N, target_N)
    target_right: bool  # take the first fitting mention right of the trigger as target
    # A sentence that reveals the event ("according to a UN report seen by …") is news even
    # when the event itself is dated earlier ("last year"): third-party reports of deliveries.
    reports_are_news: bool = False
    # A target named in the match but missing from the alias tables ("the Union of South
    # American Nations") is reported as written instead of dropping the detection.
    written_target: bool = False
    # Ids of the language-wide vetoes (`_language.yaml` `unless`) this type does not use.
    skip_common: frozenset[str] = frozenset()
    # Whether a pronoun subject ("it will leave", "we") may be resolved to the article's
    # main actor; off where a stray "we" or "the country" is too often someone else.
    pronoun_actor: bool = True
    # An actor missing from the alias tables but standing as the trigger's subject
    # ("Somaliland recalled its envoy") is reported as written instead of dropped.
    written_actor: bool = False
    # Article-wide denials: a sentence anywhere in the article that denies the reports
    # ("the ministry dismissed the reports as fake") drops the type's detection, since the
    # claim and its denial are usually told in different sentences.
    denied_by: re.Pattern[str] | None = None
    # A headline the body contradicts: evidence found only in the title is dropped when a
    # body paragraph holding the type's object words (its second prefilter group) matches,
    # e.g. "X recalls its ambassador" over a body telling of the ambassador's replacement.
    headline_contradicted_by: re.Pattern[str] | None = None

    @property
    def max_confidence(self) -> float:
        """The highest confidence of any rule of the type."""
        return max(r.confidence for r in self.rules)


@dataclass(frozen=True, slots=True, eq=False)
class LanguageRules:
    """Everything the engine needs for one language."""

    lang: str
    types: tuple[TypeRules, ...]
    clause_breaks: re.Pattern[str]
    background: tuple[re.Pattern[str], ...]
    fresh: tuple[re.Pattern[str], ...]
    modality: tuple[tuple[Modality, tuple[re.Pattern[str], ...]], ...]
    reason: tuple[re.Pattern[str], ...]
    reason_context: re.Pattern[str] | None
    pronouns: re.Pattern[str] | None
    join_words: re.Pattern[str] | None
    subject_preps: re.Pattern[str] | None
    relative: re.Pattern[str] | None
    revelation: tuple[re.Pattern[str], ...] = ()
    # Cues that make a whole sentence background wherever the trigger sits: a sentence
    # opening "As previously reported, …" / "Как сообщалось, …" recalls earlier news.
    background_sentence: tuple[re.Pattern[str], ...] = ()
    # Vetoes every type reads (a type may opt out by id with `skip_common`): the clause
    # features that do not depend on the event — a question, a rumour, a hypothesis.
    unless: tuple[Cond, ...] = ()
    # How targets are written (engine._format_target): meeting and document kinds as
    # (regex, display) in priority order, any meeting word, a venue named as written
    # (group `place`), and the meeting a document belongs to (group `owner`).
    meeting_kinds: tuple[tuple[re.Pattern[str], str], ...] = ()
    # Fresh cues that count only inside the trigger's clause ("on Tuesday" dates its own
    # clause, not an earlier step told in another one); `fresh` counts sentence-wide.
    fresh_clause: tuple[re.Pattern[str], ...] = ()
    # Month names, January first: "in February" in a June article dates an earlier step.
    months: tuple[re.Pattern[str], ...] = ()
    document_kinds: tuple[tuple[re.Pattern[str], str], ...] = ()
    meeting_word: re.Pattern[str] | None = None
    venue: re.Pattern[str] | None = None
    document_owner: re.Pattern[str] | None = None
    # Capitalised words that open a clause without being a name ("The", "Officials").
    not_names: frozenset[str] = frozenset()
    not_name_pattern: re.Pattern[str] | None = None  # word shapes that are not names
    # Slot filling (slots.py). First-person words: a clause whose subject is "we" names
    # the speaker, not a state named earlier in the sentence.
    first_person: re.Pattern[str] | None = None
    # Verbs that end a quotation's attribution ("…," Popescu said): the speaker.
    speech_verbs: re.Pattern[str] | None = None
    # A preposition whose object may still be a subject, as a last resort ("the Prime
    # Minister of Armenia said"); an object of any other `subject_preps` never is.
    weak_preposition: re.Pattern[str] | None = None
    # Words allowed between a type's `preps` and its object ("to the", "to its").
    determiners: str = ""
    # What may stand between a clause break and a list's first name ("…, the UAE and …"),
    # built from the language's `articles`.
    list_head: re.Pattern[str] | None = None
    # Names no table knows, as written: a run of capitalised words joined by `name_links`
    # (a target), and one such name opening a clause (a subject; `subject_name_links`).
    name_run: re.Pattern[str] | None = None
    one_name: re.Pattern[str] | None = None
    # A trailing time clause that dates the event before it ("… after the 2008 war").
    time_tail: re.Pattern[str] | None = None
    # A generic treaty noun with its complement, for a target no table knows (group
    # `phrase`): "the agreement on visa-free travel".
    written_phrase: re.Pattern[str] | None = None
    # Numbers that look like years but name something else (model designations such as
    # "Mirage 2000"): blanked before a clause is dated.
    not_years: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Compiled rules for every language found under a rules directory."""

    languages: dict[str, LanguageRules] = field(default_factory=dict)

    def for_lang(self, lang: str) -> LanguageRules | None:
        return self.languages.get(lang)


def _alternation(items: Any, where: str, line: int | None) -> str:
    if isinstance(items, str):
        items = [items]
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise RuleError(where, line, "a macro must be a string or a list of strings")
    parts = sorted({i.strip() for i in items if i.strip()}, key=len, reverse=True)
    return "(?:" + "|".join(_spaces(p) for p in parts) + ")"


def _spaces(pattern: str) -> str:
    # A literal space in a rule means "some whitespace", so line-wrapped text still matches.
    # Punctuation may cling to the word before ("statement, after") or after ("“failure").
    # Spaces inside a character class ("[- ]") and escaped spaces stay literal.
    out: list[str] = []
    in_class = escaped = False
    for ch in pattern:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif ch == "[" and not in_class:
            in_class = True
            out.append(ch)
        elif ch == "]" and in_class:
            in_class = False
            out.append(ch)
        elif ch == " " and not in_class:
            out.append(_GAP_SPACE)
        else:
            out.append(ch)
    return "".join(out)


_GAP_SPACE = r"""[,;:'"”’)]*\s+["“‘(]?"""


def _token(letters: str) -> str:
    return f"{TOKEN_OPEN}[{letters}]\\d+{TOKEN_CLOSE}"


def expand(pattern: str, macros: dict[str, str], where: str, line: int | None) -> str:
    """Expand placeholders in one rule pattern into a plain regular expression."""
    counter = {"actor": 0, "target": 0}

    def repl(m: re.Match[str]) -> str:
        name, slot = m.group(1), m.group(2)
        if name.startswith("_"):
            if slot:
                raise RuleError(where, line, f"a gap {{{name}}} cannot fill a slot")
            return f"(?:\\S+\\s+){{0,{int(name[1:])}}}?"
        if name in ENTITY_CLASSES:
            body = _token(ENTITY_CLASSES[name])
        elif name in macros:
            body = macros[name]
            guard = _macro_guard(body, macros, where, line)
            if guard:
                body = f"(?:{guard}{body})"
        else:
            raise RuleError(where, line, f"unknown placeholder {{{name}}}")
        if slot:
            counter[slot] += 1
            return f"(?P<{slot}_{counter[slot]}>{body})"
        return body

    out = _spaces(pattern)
    # Macros may use placeholders themselves ({ORGREF} uses {MOD} and {ORG}).
    for _ in range(6):
        new = _PLACEHOLDER.sub(repl, out)
        if new == out:
            return out
        out = new
    raise RuleError(where, line, "placeholders nested too deeply (a macro refers to itself?)")


# Speed without changing any match: Python's regex engine tries every alternative of a
# case-insensitive alternation at every word start. A lookahead for the characters a match
# can start with ("(?=[ghsd])" before {GIVEN}) rejects most positions in one step. The set
# is read from the parsed pattern and is always a superset: anything it cannot read
# (\w, \S, ., a pattern that may match empty) gets no guard. Any digit (\d: "155 mm
# shells") stays a class of its own in the guard: "(?=[\dAaSs…])".
_MAX_GUARD_CHARS = 60
_DIGIT = r"\d"  # in a set of first characters: any digit


def first_char_guard(regex: str, flags: int = re.IGNORECASE) -> str:
    """`(?=[…])` of the characters every non-empty match of `regex` starts with, or ""."""
    try:
        from re import _constants as sre_c
        from re import _parser as sre_p

        parsed = sre_p.parse(regex, flags)
    except Exception:  # private stdlib API or a bad pattern: no guard, same matches
        return ""

    def seq_first(items: Any) -> tuple[set[str] | None, bool]:
        chars: set[str] = set()
        for op, av in items:
            got, nullable = item_first(op, av)
            if got is None:
                return None, False
            chars |= got
            if not nullable:
                return chars, False
        return chars, True

    def item_first(op: Any, av: Any) -> tuple[set[str] | None, bool]:
        if op is sre_c.LITERAL:
            return {chr(av)}, False
        if op is sre_c.IN:
            chars: set[str] = set()
            for o, a in av:
                if o is sre_c.LITERAL:
                    chars.add(chr(a))
                elif o is sre_c.RANGE and a[1] - a[0] <= _MAX_GUARD_CHARS:
                    chars |= {chr(c) for c in range(a[0], a[1] + 1)}
                elif o is sre_c.CATEGORY and a is sre_c.CATEGORY_DIGIT:
                    chars.add(_DIGIT)
                else:  # a negated class or another category: anything may start here
                    return None, False
            return chars, False
        if op is sre_c.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            return (None, False) if add_flags or del_flags else seq_first(sub.data)
        if op is sre_c.BRANCH:
            chars, nullable = set(), False
            for alt in av[1]:
                got, n = seq_first(alt.data)
                if got is None:
                    return None, False
                chars |= got
                nullable |= n
            return chars, nullable
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            low, _high, sub = av
            got, n = seq_first(sub.data)
            return (None, False) if got is None else (got, low == 0 or n)
        if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            return set(), True  # zero-width: the next item starts the match
        return None, False

    chars, nullable = seq_first(parsed.data)
    if not chars or nullable:
        return ""
    return _lookahead(chars)


def _lookahead(chars: set[str]) -> str:
    """`(?=[…])` of these first characters in either case (`_DIGIT`: any digit), or "" when
    that is so many that the guard would reject little."""
    digits = _DIGIT if _DIGIT in chars else ""
    variants = {v for c in chars - {_DIGIT} for v in (c, c.lower(), c.upper()) if len(v) == 1}
    if len(variants) > _MAX_GUARD_CHARS:
        return ""
    return "(?=[" + digits + "".join(re.escape(c) for c in sorted(variants)) + "])"


_NO_WORD_LIST_GUARD = re.compile(r"\(\?#|\(\?[aiLmsu-]*x")  # comments, verbose groups


def word_list_guard(pattern: str) -> str:
    """`pattern` with a guard for the first letters of its opening word list, when it opens
    with `\\b(?:word…|word…|…)` or `(?:word…|…)` (a condition's usual shapes), else `pattern`.

    A condition is searched at every position of a sentence or clause: at a word start, each
    word of the list is tried in turn. The guard, before the list, tries them only where a
    word starts with one of their letters. Read without parsing the pattern (a parse costs
    about a millisecond per condition when rules load): every alternative must open with a
    letter that no quantifier makes optional, and the list itself must not be optional."""
    head = 2 if pattern.startswith("\\b(?:") else 0 if pattern.startswith("(?:") else -1
    if head < 0 or _NO_WORD_LIST_GUARD.search(pattern):
        return pattern
    letters: set[str] = set()
    i, n, depth, at_start = head + 3, len(pattern), 1, True
    while i < n:
        ch = pattern[i]
        if at_start:  # the first character of an alternative of the list
            if not ch.isalpha() or pattern[i + 1 : i + 2] in ("?", "*", "+", "{"):
                return pattern
            letters.add(ch)
            at_start = False
        if ch == "\\":
            i += 2
            continue
        if ch == "[":  # a class: up to its closing bracket ("[]…]" and "[^]…]" hold one)
            i += 2 if pattern[i + 1 : i + 2] == "^" else 1
            i += 1 if pattern[i : i + 1] == "]" else 0
            while i < n and pattern[i] != "]":
                i += 2 if pattern[i] == "\\" else 1
            i += 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                if pattern[i + 1 : i + 2] in ("?", "*", "+", "{"):
                    return pattern
                break
        elif ch == "|" and depth == 1:
            at_start = True
        i += 1
    else:
        return pattern
    return pattern[:head] + _lookahead(letters) + pattern[head:]


_GUARDS: dict[str, str] = {}


def _macro_guard(body: str, macros: dict[str, str], where: str, line: int | None) -> str:
    """The first-character guard of one macro, computed once per fully expanded text
    (the same macro name means other words in another language or type file)."""
    full = expand(body, macros, where, line)
    if full not in _GUARDS:
        _GUARDS[full] = first_char_guard(full)
    return _GUARDS[full]


_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")


def _guarded(regex: str, flags: int = re.IGNORECASE) -> str:
    """One rule pattern as a group, behind its first-character guard (none for a pattern
    opening with global flags, which must stay first)."""
    if _GLOBAL_FLAGS.match(regex):
        return regex
    return f"(?:{first_char_guard(regex, flags)}(?:{regex}))"


def _compile(regex: str, where: str, line: int | None, flags: int = re.IGNORECASE) -> re.Pattern:
    try:
        return re.compile(regex, flags)
    except re.error as exc:
        raise RuleError(where, line, f"bad regular expression: {exc}") from None


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RuleError(path, mark.line + 1 if mark else None, f"invalid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RuleError(path, 1, "a rule file must be a mapping")
    return data


def _conds(items: Any, macros: dict[str, str], where: str, default_line: int | None) -> tuple:
    out = []
    for i, item in enumerate(items or []):
        if isinstance(item, str):
            item = {"pattern": item}
        if not isinstance(item, dict) or "pattern" not in item:
            raise RuleError(where, default_line, "a condition needs a `pattern`")
        line = item.get("__line__", default_line)
        scope = item.get("scope", "sentence")
        if scope not in SCOPES:
            raise RuleError(where, line, f"unknown scope {scope!r}; use one of {SCOPES}")
        plain = expand(item["pattern"], macros, where, line)
        try:
            regex = re.compile(word_list_guard(plain), re.IGNORECASE)
        except re.error:  # reported as written, not with the guard's offsets
            regex = _compile(plain, where, line)
        out.append(Cond(str(item.get("id", f"cond{i}")), regex, scope))
    return tuple(out)


def _patterns(
    items: Any, macros: dict[str, str], where: str, line: int | None, guarded: bool = False
) -> tuple:
    """Patterns compiled one by one (`guarded`: each behind its first-character guard)."""
    wrap = _guarded if guarded else str
    return tuple(_compile(wrap(expand(p, macros, where, line)), where, line) for p in items or [])


def _joined(items: Any, macros: dict[str, str], where: str, line: int | None) -> tuple:
    """A list of cues as one alternation (one search instead of one per cue); each cue is
    still checked on its own first, so a bad one is reported with its file and line. The
    alternation stands behind the first-character guard of all its cues (these are searched
    in whole sentences, clauses and paragraphs); a guard per cue would cost more than it
    saves, one lookahead per cue at every position."""
    _patterns(items, macros, where, line)
    if not items:
        return ()
    body = "|".join(f"(?:{expand(p, macros, where, line)})" for p in items)
    return (_compile(_guarded(body), where, line),)


def _modality(value: Any, where: str, line: int | None) -> Modality | None:
    if value is None:
        return None
    try:
        return Modality(value)
    except ValueError:
        raise RuleError(where, line, f"unknown modality {value!r}") from None


_TYPE_KEYS = {
    "type", "prefilter", "macros", "rules", "unless", "requires", "need", "actor_kinds",
    "target_kinds", "preps", "default_modality", "allowed_modality", "target_format",
    "org_fallback", "reason", "pairs", "target_right", "reports_are_news", "written_target", "skip_common",
    "pronoun_actor", "written_actor", "denied_by", "headline_contradicted_by",
    "__line__",
}  # fmt: skip
_RULE_KEYS = {
    "id", "pattern", "patterns", "any_order", "gap", "confidence", "modality", "unless",
    "requires", "subject", "subject_right", "__line__",
}  # fmt: skip


def _letters(kinds: Any, where: str, line: int | None) -> str:
    letters = ""
    for k in kinds or []:
        if k not in ENTITY_CLASSES:
            raise RuleError(where, line, f"unknown entity class {k!r}")
        letters += ENTITY_CLASSES[k]
    return "".join(sorted(set(letters)))


def _load_type(path: Path, lang: str, lang_macros: dict[str, str]) -> TypeRules:
    data = read_yaml(path)
    where = str(path)
    unknown = set(data) - _TYPE_KEYS
    if unknown:
        raise RuleError(where, data["__line__"], f"unknown keys {sorted(unknown)}")
    try:
        etype = EventType(data.get("type"))
    except ValueError:
        raise RuleError(
            where, data["__line__"], f"unknown event type {data.get('type')!r}"
        ) from None
    macros = dict(lang_macros)
    for name, items in (data.get("macros") or {}).items():
        if name == "__line__":
            continue
        macros[name] = _alternation(items, where, data["macros"].get("__line__"))
    rules = []
    for item in data.get("rules") or []:
        line = item.get("__line__")
        unknown = set(item) - _RULE_KEYS
        if unknown:
            raise RuleError(where, line, f"unknown keys {sorted(unknown)} in rule")
        rid = item.get("id")
        pats = item.get("patterns") or ([item["pattern"]] if "pattern" in item else [])
        if "any_order" in item:
            pats = list(pats) + _any_order(item["any_order"], item.get("gap", 6), where, line)
        if not rid or not pats:
            raise RuleError(where, line, "a rule needs an `id` and a `pattern`")
        body = "|".join(_guarded(expand(p, macros, where, line)) for p in pats)
        if len(pats) > 1:
            # Named slot groups may repeat across alternatives; Python needs unique names.
            body = _renumber(body)
        regex = _compile(f"(?<!\\w)(?:{body})(?!\\w)", where, line)
        subject = item.get("subject", "actor")
        if subject not in SUBJECTS:
            raise RuleError(where, line, f"subject must be one of {SUBJECTS}")
        rules.append(
            Rule(
                id=f"{lang}.{etype.value}.{rid}",
                regex=regex,
                confidence=float(item.get("confidence", 0.8)),
                modality=_modality(item.get("modality"), where, line),
                unless=_conds(item.get("unless"), macros, where, line),
                requires=_conds(item.get("requires"), macros, where, line),
                subject=subject,
                subject_right=bool(item.get("subject_right", False)),
                source=f"{where}:{line}",
                parts=tuple(_parts(p, macros, where, line) for p in pats),
            )
        )
    if not rules:
        raise RuleError(where, data["__line__"], "no rules")
    prefilter = data.get("prefilter")
    line = data["__line__"]
    if not prefilter or not isinstance(prefilter, list):
        raise RuleError(where, line, "`prefilter` (a list of trigger stems) is required")
    # One list = one group of stems; a list of lists = groups that must all match.
    groups = prefilter if all(isinstance(g, list) for g in prefilter) else [prefilter]
    allowed = data.get("allowed_modality") or [m.value for m in Modality]
    return TypeRules(
        type=etype,
        prefilter=tuple(_stems(g, where, line) for g in groups),
        rules=tuple(rules),
        unless=_conds(data.get("unless"), macros, where, line),
        requires=_conds(data.get("requires"), macros, where, line),
        need=frozenset(data.get("need") or ["actor"]),
        actor_kinds=_letters(data.get("actor_kinds") or ["ACTOR"], where, line),
        target_kinds=_letters(data.get("target_kinds") or ["ORG"], where, line),
        preps={str(k): str(v) for k, v in (data.get("preps") or {}).items() if k != "__line__"},
        default_modality=_modality(data.get("default_modality", "announced"), where, line)
        or Modality.ANNOUNCED,
        allowed_modality=frozenset(_modality(m, where, line) for m in allowed),  # type: ignore[misc]
        target_format=str(data.get("target_format", "{entity}")),
        org_fallback=bool(data.get("org_fallback", False)),
        with_reason=bool(data.get("reason", False)),
        pairs=tuple(
            _compile(_renumber(expand(p, macros, where, line)), where, line)
            for p in data.get("pairs") or []
        ),
        target_right=bool(data.get("target_right", True)),
        reports_are_news=bool(data.get("reports_are_news", False)),
        written_target=bool(data.get("written_target", False)),
        skip_common=frozenset(str(x) for x in data.get("skip_common") or []),
        pronoun_actor=bool(data.get("pronoun_actor", True)),
        written_actor=bool(data.get("written_actor", False)),
        denied_by=_joined(data.get("denied_by"), macros, where, line)[0]
        if data.get("denied_by")
        else None,
        headline_contradicted_by=next(
            iter(_joined(data.get("headline_contradicted_by"), macros, where, line)), None
        ),
    )


def _any_order(parts: Any, gap: Any, where: str, line: int | None) -> list[str]:
    """Patterns for parts that may come in any order (free word order, as in Russian):
    every permutation, the parts separated by at most `gap` words."""
    if not isinstance(parts, list) or not 2 <= len(parts) <= 3:
        raise RuleError(where, line, "`any_order` takes a list of two or three patterns")
    if not isinstance(gap, int) or not 0 <= gap <= 20:
        raise RuleError(where, line, "`gap` must be a number of words from 0 to 20")
    joiner = f" (?:\\S+ ){{0,{gap}}}?"
    return [joiner.join(str(p) for p in order) for order in itertools.permutations(parts)]


def _parts(pattern: str, macros: dict[str, str], where: str, line: int | None) -> tuple:
    """The placeholders outside any group of a raw pattern (every match holds them), each
    with a regex finding it alone. A top-level alternative makes nothing required."""
    out: list[tuple[str, re.Pattern[str]]] = []
    depth, i, escaped, in_class = 0, 0, False, False
    while i < len(pattern):
        ch = pattern[i]
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch in "()":
            depth += 1 if ch == "(" else -1
        elif ch == "|" and depth == 0:
            return ()
        elif ch == "{" and depth == 0 and (m := _PLACEHOLDER.match(pattern, i)):
            name = m.group(1)
            optional = m.end() < len(pattern) and pattern[m.end()] in "?*{"
            if not optional and not name.startswith("_") and name not in out:
                body = expand("{" + name + "}", macros, where, line)
                out.append((name, _compile(f"(?<!\\w){body}", where, line)))
            i = m.end()
            continue
        i += 1
    return tuple(out)


def _stems(group: Any, where: str, line: int | None) -> tuple[str, ...]:
    """A prefilter group: literal word starts (case-insensitive), "=word" for a whole word
    only, or @org/@treaty for the first words of those entities' aliases."""
    if not isinstance(group, list) or not group:
        raise RuleError(where, line, "a prefilter group must be a non-empty list")
    out = []
    for item in group:
        item = str(item)
        if any(ch in item for ch in "\\[](){}|*+?^$"):
            raise RuleError(where, line, f"prefilter stems are plain text, not regex: {item!r}")
        out.append(item)
    return tuple(out)


def _renumber(body: str) -> str:
    seen: dict[str, int] = {}

    def repl(m: re.Match[str]) -> str:
        slot = m.group(1)
        seen[slot] = seen.get(slot, 0) + 1
        return f"(?P<{slot}_{seen[slot]}>"

    return re.sub(r"\(\?P<(actor|target)_\d+>", repl, body)


def _load_language(directory: Path) -> LanguageRules:
    lang_file = directory / "_language.yaml"
    if not lang_file.exists():
        raise RuleError(lang_file, None, "missing _language.yaml")
    data = read_yaml(lang_file)
    where = str(lang_file)
    line = data["__line__"]
    lang = str(data.get("lang") or directory.name)
    macros = {
        name: _alternation(items, where, line)
        for name, items in (data.get("macros") or {}).items()
        if name != "__line__"
    }
    types = tuple(
        _load_type(p, lang, macros) for p in sorted(directory.glob("*.yaml")) if p.name[0] != "_"
    )
    modality = []
    for name, pats in (data.get("modality") or {}).items():
        if name == "__line__":
            continue
        mod = _modality(name, where, line)
        assert mod is not None
        modality.append((mod, _joined(pats, macros, where, line)))

    def opt(key: str, flags: int = re.IGNORECASE) -> re.Pattern[str] | None:
        value = data.get(key)
        if not value:
            return None
        regex = value if isinstance(value, str) else "|".join(f"(?:{v})" for v in value)
        return _compile(_guarded(expand(regex, macros, where, line), flags), where, line, flags)

    breaks = opt("clause_breaks")
    if breaks is None:
        raise RuleError(where, line, "`clause_breaks` is required")
    return LanguageRules(
        lang=lang,
        types=types,
        clause_breaks=breaks,
        background=_joined(data.get("background"), macros, where, line),
        fresh=_joined(data.get("fresh"), macros, where, line),
        modality=tuple(modality),
        reason=_patterns(data.get("reason"), macros, where, line, guarded=True),
        reason_context=opt("reason_context"),
        pronouns=opt("pronouns"),
        join_words=opt("join_words", 0),
        subject_preps=opt("subject_preps"),
        relative=opt("relative"),
        revelation=_joined(data.get("revelation"), macros, where, line),
        background_sentence=_joined(data.get("background_sentence"), macros, where, line),
        unless=_conds(data.get("unless"), macros, where, line),
        meeting_kinds=_kinds(data.get("meeting_kinds"), macros, where, line),
        fresh_clause=_joined(data.get("fresh_clause"), macros, where, line),
        months=_months(data.get("months"), macros, where, line),
        document_kinds=_kinds(data.get("document_kinds"), macros, where, line),
        meeting_word=_any_of(data.get("meeting_kinds"), macros, where, line),
        venue=opt("venue", 0),
        document_owner=opt("document_owner", 0),
        not_names=frozenset(str(w) for w in data.get("not_names") or []),
        not_name_pattern=opt("not_name_pattern"),
        first_person=_words(data.get("first_person"), where, line),
        speech_verbs=_words(data.get("speech_verbs"), where, line, 0),
        weak_preposition=_words(data.get("weak_preposition"), where, line),
        determiners=_alternation(data["determiners"], where, line)
        if data.get("determiners")
        else "",
        list_head=_list_head(data.get("articles"), where, line),
        name_run=_name_run(data.get("name_links"), where, line),
        one_name=_one_name(data.get("subject_name_links"), data.get("articles"), where, line),
        time_tail=_time_tail(data.get("time_tail"), where, line),
        written_phrase=opt("written_phrase"),
        not_years=opt("not_years"),
    )


# Capitalised words, case-sensitively, in the scripts the rule files are written in.
_CAPITALISED = r"(?-i:[A-ZА-ЯЁ])"


def _words(
    items: Any, where: str, line: int | None, flags: int = re.IGNORECASE
) -> re.Pattern[str] | None:
    """Whole words (or phrases) from a list; an entry ending in `*` matches any ending."""
    if not items:
        return None
    if not isinstance(items, list):
        raise RuleError(where, line, "expected a list of words")
    alts = []
    for w in items:
        w = str(w)
        tail = r"\w*" if w.endswith("*") else ""
        alts.append(re.escape(w.rstrip("*")) + tail)
    return _compile(r"(?<!\w)(?:" + "|".join(alts) + r")(?!\w)", where, line, flags)


def _list_head(articles: Any, where: str, line: int | None) -> re.Pattern[str]:
    """What may stand between a clause break and a list's first name: punctuation and an
    article ("…, the UAE")."""
    arts = _links(articles, where, line)
    return _compile(r"\W*" + (rf"(?:(?:{arts})\s+)?" if arts else ""), where, line)


def _links(items: Any, where: str, line: int | None) -> str:
    return "|".join(re.escape(str(w)) for w in items or [])


def _name_run(items: Any, where: str, line: int | None) -> re.Pattern[str] | None:
    """Two or more capitalised words, joined by the link words ("Union of South American
    Nations"). Case-sensitive: only case tells a name here."""
    links = _links(items, where, line)
    word = _CAPITALISED + r"[\w'’.-]*"
    join = rf"\s+(?:(?:{links})\s+)*" if links else r"\s+"
    return _compile(rf"(?<![\w\ue000\ue001]){word}(?:{join}{word})+", where, line, 0)


def _one_name(items: Any, articles: Any, where: str, line: int | None) -> re.Pattern[str] | None:
    """One name opening a text (after an optional article), and the rest (group `rest`)."""
    links = _links(items, where, line)
    word = _CAPITALISED + r"[\w'’-]+"
    join = rf"\s+(?:(?:{links})\s+)*" if links else r"\s+"
    arts = "|".join(f"{re.escape(str(a))}|{re.escape(str(a).capitalize())}" for a in articles or [])
    lead = f"(?:(?:{arts}) )?" if arts else ""
    return _compile(
        rf"\W*{lead}(?P<name>{word}(?:{join}{word})*)(?P<rest>[^\ue000\ue001]*)$",
        where,
        line,
        0,
    )


def _time_tail(items: Any, where: str, line: int | None) -> re.Pattern[str] | None:
    if not items:
        return None
    alts = "|".join(str(i) for i in items)
    return _compile(rf"\W{{0,3}}(?:{alts})\s[^;:.]{{0,60}}", where, line)


def _months(items: Any, macros: dict[str, str], where: str, line: int | None) -> tuple:
    pats = _patterns(items, macros, where, line)
    if pats and len(pats) != 12:
        raise RuleError(where, line, f"`months` needs 12 patterns (January first), not {len(pats)}")
    return pats


def _kinds(items: Any, macros: dict[str, str], where: str, line: int | None) -> tuple:
    """`[[regex, display], …]` → compiled (regex, display) pairs, order kept."""
    out = []
    for item in items or []:
        if not (
            isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)
        ):
            raise RuleError(where, line, f"a kind must be [regex, display], not {item!r}")
        out.append((_compile(expand(item[0], macros, where, line), where, line), item[1]))
    return tuple(out)


def _any_of(items: Any, macros: dict[str, str], where: str, line: int | None):
    if not items:
        return None
    body = "|".join(f"(?:{expand(i[0], macros, where, line)})" for i in items)
    return _compile(_guarded(body), where, line)


_CHARSETS_LOCK = threading.Lock()


@contextmanager
def charsets_optimised_once() -> Iterator[None]:
    """While rules compile, Python's regex compiler optimises each distinct character class
    once instead of at every occurrence.

    The rule language puts the same classes into almost every pattern (each literal space
    becomes `_GAP_SPACE`: two classes holding curly quotes), and for a class with a character
    above U+00FF the compiler builds and compresses a 65,536-entry map each time it meets
    one: about half of all compiling. `re._compiler._optimize_charset` is a pure function
    of its arguments and its callers only read its answer, so remembering the answers
    changes no compiled pattern (tests/detectors/test_rule_loading.py compares the compiled
    code). It is private API: where it is missing, rules compile as before. The memo lives
    only as long as the block; any regex compiled meanwhile, in any thread, still gets
    exactly the code it would get without it."""
    try:
        from re import _compiler
    except ImportError:  # an interpreter without it: nothing to speed up
        yield
        return
    original = getattr(_compiler, "_optimize_charset", None)
    if original is None:
        yield
        return
    memo: dict[tuple[Any, ...], Any] = {}

    def optimise(charset: Any, iscased: Any = None, fixup: Any = None, fixes: Any = None) -> Any:
        try:
            # `fixes` is a module-level table (or None): its identity names it.
            key = (tuple(charset), iscased, fixup, id(fixes))
            found = memo.get(key)
        except TypeError:  # an unhashable charset item: not worth remembering
            return original(charset, iscased, fixup, fixes)
        if found is None:
            found = memo[key] = original(charset, iscased, fixup, fixes)
        return found

    with _CHARSETS_LOCK:  # one loader at a time patches, and restores what it found
        _compiler._optimize_charset = optimise
        try:
            yield
        finally:
            _compiler._optimize_charset = original


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Load every language directory under `path` (default: the packaged rules)."""
    root = Path(path) if path else RULES_DIR
    if not root.is_dir():
        raise RuleError(root, None, "rules directory not found")
    langs = {}
    with charsets_optimised_once():
        for d in sorted(root.iterdir()):
            if d.is_dir() and not d.name.startswith((".", "_")) and any(d.glob("*.yaml")):
                lr = _load_language(d)
                langs[lr.lang] = lr
    return RuleSet(langs)


@lru_cache(maxsize=1)
def default_rules() -> RuleSet:
    """The packaged rule set, compiled once per process."""
    return load_rules()
