"""The rule interpreter: article text + compiled rules → Detections.

Owns: the order of work for one article (cheap prefilter, sentence split, entity masking
of candidate sentences only, rule matching, vetoes, background and modality scoping,
slot filling, choosing the best evidence per type). Knows no vocabulary: every word it
reacts to comes from the rule files or the entity table.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property

from detectors.entities import EntityTable, Mention
from detectors.masking import TOKEN as _TOKEN
from detectors.masking import Masked, mask
from detectors.masking import letter as _letter
from detectors.rules import TOKEN_OPEN, Cond, LanguageRules, Rule, TypeRules
from detectors.scan import Scanner, build_scanner
from detectors.sentences import (
    Sentence,
    lead_sentences,
    paragraph_sentences,
    split_sentences,
    tail_start,
)
from detectors.slots import MAX_SLOT_BONUS, Filled, fill_slots
from detectors.types import Detection, EventType, Modality

# Years at least this far before the article's year are background even under a fresh cue.
_FAR_YEARS = 10
# A year: 1800-2099 standing alone, `(?<!\d)(1[89]\d\d|20\d\d)(?!\d)` written so that every
# match starts with a literal "1" or "2": Python's regex engine then jumps from one such
# character to the next instead of trying the pattern at every position of the article. The
# lookbehind moved behind the first two characters (both digits) still asks whether a digit
# stands before the year.
_YEAR = re.compile(r"((?:1[89]|20)(?<!\d\d\d)\d\d)(?!\d)")
# Type order for output: stable and matching EventType declaration order.
_TYPE_ORDER = {t: i for i, t in enumerate(EventType)}
# How many opening sentences define "the article's" main actor and organisation.
_LEAD_SENTENCES = 8


@dataclass(slots=True)
class Candidate:
    """One rule match that survived the vetoes, with its slots filled."""

    type: EventType
    rule: Rule
    sentence: Sentence
    field: str
    index: int
    actors: tuple[str, ...]
    target: str | None
    target_entity: str | None
    modality: Modality
    confidence: float
    trigger: str
    reason: str | None = None
    details: dict[str, str] = field(default_factory=dict)


@dataclass
class Reading:
    """One detect() call's reading of an article (not newswatch's `Article`, the extracted text
    it is given): text, title, the sentences worth matching, and lazily computed article facts
    (full sentence list, main organisation) for slot fallbacks."""

    text: str
    title: str
    rules: LanguageRules
    table: EntityTable
    published: dt.date | None
    trace: list[str] | None = None  # when a list, every rule match is explained here
    _masked: dict[tuple[str, int], Masked] = field(default_factory=dict)
    _memo: dict[tuple[str, int], dict[int, bool]] = field(default_factory=dict)
    _hits: dict[str, list[tuple[int, frozenset[tuple[int, int]]]]] = field(default_factory=dict)
    _context: dict[tuple[str, int], str] = field(default_factory=dict)
    _tails: dict[str, int] = field(default_factory=dict)
    _paragraphs: dict[tuple[str, int], list[Sentence]] = field(default_factory=dict)
    _meeting: dict[tuple[str, int], bool] = field(default_factory=dict)

    @cached_property
    def ref_year(self) -> int:
        """The article's year: `published`, else the latest year it mentions."""
        return _reference_year(self.text, self.published)

    @cached_property
    def scanner(self) -> Scanner:
        return build_scanner(self.rules, self.table)

    @cached_property
    def sentences(self) -> list[Sentence]:
        return split_sentences(self.text)

    @cached_property
    def lead(self) -> list[Sentence]:
        """The opening sentences, which name the article's main actor and meeting."""
        return lead_sentences(self.text, _LEAD_SENTENCES)

    @cached_property
    def title_sentences(self) -> list[Sentence]:
        return split_sentences(self.title) if self.title.strip() else []

    def units(self, fld: str) -> list[tuple[Sentence, list[int]]]:
        """Sentences of `fld` that hit every stem group of some type, with those types.

        Only paragraphs holding a stem hit are split into sentences at all.
        """
        source = self.title if fld == "title" else self.text
        hits = self.hits(fld)
        if not hits:
            return []
        by_para: dict[int, list[tuple[int, frozenset[tuple[int, int]]]]] = {}
        tail = self.tail(fld)
        for pos, ids in hits:
            if pos >= tail:
                break
            by_para.setdefault(source.rfind("\n", 0, pos) + 1, []).append((pos, ids))
        out: list[tuple[Sentence, list[int]]] = []
        for a, para_hits in by_para.items():
            if not self.scanner.types_in([h for _p, h in para_hits]):
                continue  # no type has all its stem groups in this paragraph
            # Sentences and hits both run in text order: walk them side by side.
            k, n = 0, len(para_hits)
            for sent in self.paragraph(fld, a):
                while k < n and para_hits[k][0] < sent.start:
                    k += 1
                j = k
                while j < n and para_hits[j][0] < sent.end:
                    j += 1
                types = self.scanner.types_in([h for _p, h in para_hits[k:j]]) if j > k else []
                if types:
                    out.append((sent, types))
                k = j
        return out

    def tail(self, fld: str) -> int:
        """Where the title's or text's article ends (`tail_start`), found once per field."""
        found = self._tails.get(fld)
        if found is None:
            found = self._tails[fld] = tail_start(self.title if fld == "title" else self.text)
        return found

    def paragraph(self, fld: str, start: int) -> list[Sentence]:
        """The sentences of the paragraph of a field starting at `start`, split once (the
        candidate sentences and the search for a boycott's reason may both need them)."""
        key = (fld, start)
        found = self._paragraphs.get(key)
        if found is None:
            source = self.title if fld == "title" else self.text
            found = self._paragraphs[key] = paragraph_sentences(source, start)
        return found

    def names_meeting(self, fld: str, sent: Sentence) -> bool:
        """Whether a sentence names a meeting (the language's `meeting_kinds`), read once."""
        key = (fld, sent.start)
        found = self._meeting.get(key)
        if found is None:
            pattern = self.rules.meeting_word
            found = self._meeting[key] = bool(pattern and pattern.search(sent.text))
        return found

    def hits(self, fld: str) -> list[tuple[int, frozenset[tuple[int, int]]]]:
        """The first pass's stem hits in the title or text (computed once per field)."""
        found = self._hits.get(fld)
        if found is None:
            found = self._hits[fld] = self.scanner.hits(self.title if fld == "title" else self.text)
        return found

    def paragraphs_with(self, fld: str, type_index: int, group: int) -> list[str]:
        """The paragraphs of a field holding a stem of one prefilter group of one type."""
        source = self.title if fld == "title" else self.text
        starts: list[int] = []
        for pos, ids in self.hits(fld):
            if (type_index, group) in ids:
                a = source.rfind("\n", 0, pos) + 1
                if not starts or starts[-1] != a:
                    starts.append(a)
        out = []
        for a in dict.fromkeys(starts):
            b = source.find("\n", a)
            out.append(source[a : b if b >= 0 else len(source)])
        return out

    def sentence_memo(self, fld: str, sent: Sentence) -> dict[int, bool]:
        """Results of sentence-scope conditions for one sentence, shared by every type
        (the language-wide vetoes are read once per sentence, not once per type)."""
        return self._memo.setdefault((fld, sent.start), {})

    def context_text(self, fld: str, sent: Sentence) -> str:
        """Masked title, lead and the sentence before `sent` (conditions of scope `context`):
        where an article names the meeting a sentence such as "X will not go to Minsk"
        leaves implicit. Built only when a rule with such a condition has matched."""
        key = (fld, sent.start)
        found = self._context.get(key)
        if found is None:
            parts = [self.masked("title", s).text for s in self.title_sentences]
            body = list(self.lead)
            if fld == "text":
                before = [s for s in self.sentences if s.end <= sent.start][-1:]
                body += [s for s in before if all(s.start != b.start for b in body)]
            parts += [self.masked("text", s).text for s in body]
            found = self._context[key] = "\n".join(parts)
        return found

    def masked(self, fld: str, sent: Sentence) -> Masked:
        key = (fld, sent.start)
        mk = self._masked.get(key)
        if mk is None:
            mk = self._masked[key] = mask(sent, self.table)
        return mk

    @cached_property
    def context_mentions(self) -> tuple[list[Mention], int]:
        """Mentions of the title, the lead (first sentences) and every candidate sentence,
        and how many of them come from the title. Used to find the article's main actor
        or organisation when a sentence names none."""
        out: list[Mention] = []
        for sent in self.title_sentences:
            out.extend(self.masked("title", sent).mentions)
        n_title = len(out)
        seen: set[int] = set()
        for sent in self.lead:
            seen.add(sent.start)
            out.extend(self.masked("text", sent).mentions)
        for (fld, start), mk in list(self._masked.items()):
            if fld == "text" and start not in seen:
                out.extend(mk.mentions)
        return out, n_title

    def main_entity(self, letters: str, exclude: set[str] | None = None) -> str | None:
        """Most frequent entity of the given kinds in the article (title counts double)."""
        counts: dict[str, float] = {}
        first: dict[str, int] = {}
        mentions, n_title = self.context_mentions
        for k, m in enumerate(mentions):
            if _letter(m) not in letters:
                continue
            name = m.entity.name
            if exclude and name in exclude:
                continue
            counts[name] = counts.get(name, 0) + (2.0 if k < n_title else 1.0)
            first.setdefault(name, k)
        if not counts:
            return None
        return max(counts, key=lambda n: (counts[n], -first[n]))


def _reference_year(text: str, published: dt.date | None) -> int:
    if published is not None:
        return published.year
    years = [int(y) for y in _YEAR.findall(text)]
    return max(years) if years else dt.date.today().year


def _clause(lr: LanguageRules, text: str, start: int, end: int) -> tuple[int, int]:
    """Span of the clause holding [start, end): from the last break before to the next after."""
    cs, ce = 0, len(text)
    for m in lr.clause_breaks.finditer(text):
        if m.end() <= start:
            # Word breaks ("which", "if") open the clause; punctuation breaks close the last.
            cs = m.start() if m.group(0)[:1].isalpha() else m.end()
        elif m.start() >= end:
            ce = m.start()
            break
    return cs, ce


def _scope_text(cond: Cond, text: str, ms: int, me: int, clause: tuple[int, int]) -> str:
    if cond.scope == "clause":
        return text[clause[0] : clause[1]]
    if cond.scope == "left":
        return text[:ms]
    if cond.scope == "right":
        return text[me:]
    if cond.scope == "match":
        return text[ms:me]
    return text


def _years(lr: LanguageRules, text: str) -> list[int]:
    """The years a text names, leaving out numbers the language marks as no year."""
    if lr.not_years is not None:
        text = lr.not_years.sub(" ", text)
    return [int(y) for y in _YEAR.findall(text)]


def _is_background(
    lr: LanguageRules,
    text: str,
    clause: tuple[int, int],
    ref_year: int,
    published: dt.date | None = None,
) -> bool:
    # A few words before the clause belong to its time frame: "A year after Russia suspended".
    ctext = text[max(0, clause[0] - 25) : clause[1]]
    if any(p.search(ctext) for p in lr.background):
        return True
    if any(p.search(text) for p in lr.background_sentence):
        return True
    tail = lr.time_tail.match(text, clause[1]) if lr.time_tail is not None else None
    if tail:
        ctext += " " + tail.group(0)
    years = _years(lr, ctext)
    # A year far before the article (or, undated, before today) is history whatever fresh
    # cue the sentence carries: "said on Tuesday it left the CSTO in 1999" reports no step.
    now = published.year if published is not None else max(ref_year, dt.date.today().year)
    if any(y <= min(ref_year, now) - _FAR_YEARS for y in years) or (
        published is None and any(y <= now - _FAR_YEARS for y in years)
    ):
        return True
    past = any(y < ref_year for y in years)
    if not past and published is not None and all(y == published.year for y in years):
        # "in February" in a June article: an earlier step of this year.
        past = any(p.search(ctext) for p in lr.months[: published.month - 1])
    elif not past and published is None:
        # Undated: a step dated by its month ("in February 2024") is told from later on.
        past = any(p.search(ctext) for p in lr.months)
    if not past:
        return False
    if any(p.search(ctext) for p in lr.fresh_clause):
        return False
    return not any(p.search(text) for p in lr.fresh)


def _modality(lr: LanguageRules, tr: TypeRules, rule: Rule, window: str) -> Modality:
    if rule.modality is not None:
        return rule.modality
    for mod, pats in lr.modality:
        if any(p.search(window) for p in pats):
            return mod
    return tr.default_modality


def _find_candidates(
    art: Reading,
    fld: str,
    sent: Sentence,
    tr: TypeRules,
    floor: tuple[float, int] | None = None,
) -> list[Candidate]:
    """The candidates of one type in one sentence. Rules that cannot outrank `floor` (the
    rank of the evidence already in hand, or of this sentence's own earlier candidates)
    are not run: only the best candidate per type is reported (speed, same result)."""
    lr = art.rules
    mk = art.masked(fld, sent)
    index = sent.start
    text = mk.text
    out: list[Candidate] = []
    # Sentence-scope conditions do not depend on the match: evaluate each at most once.
    memo = art.sentence_memo(fld, sent)
    if art.trace is not None:
        _trace_sentence(art, tr, fld, sent, "candidate sentence")
        n_trace = len(art.trace)
    missing = _slot_without_mention(tr, mk)
    if missing:
        # Cheap and exact: this type fills that slot only from the sentence's own names.
        if art.trace is not None:
            art.trace.append(f"{tr.type.value} [{fld}#{index}]   no {missing} named: not read")
        return out
    length = _ranked_length(sent)
    for rule in tr.rules:
        if floor is not None and art.trace is None and (_top(rule.confidence), length) <= floor:
            continue  # no match of this rule could outrank the evidence in hand
        for m in rule.regex.finditer(text):
            ms, me = m.start(), m.end()
            clause = _clause(lr, text, ms, me)
            why = _rejection(art, fld, tr, rule, text, ms, me, clause, memo, sent)
            cand = None
            if why is None:
                # Only a match nothing else rejects needs its modality and slots.
                modality = _modality(lr, tr, rule, text[clause[0] : me])
                if modality not in tr.allowed_modality:
                    why = f"modality {modality.value}"
                elif (filled := fill_slots(art, tr, rule, mk, m, clause)) is None:
                    why = "slots"
                else:
                    cand = _candidate(art, tr, rule, mk, m, fld, modality, filled)
                    out.append(cand)
                    if floor is None or _rank(cand) > floor:
                        floor = _rank(cand)
            if art.trace is not None:
                _trace(art, rule, mk, m, fld, index, cand, why)
    if art.trace is not None and len(art.trace) == n_trace:
        art.trace.append(f"{tr.type.value} [{fld}#{index}]   no rule pattern matches this sentence")
        _trace_close_rules(art, tr, fld, index, text)
    return out


def _is_headline(c: Candidate) -> bool:
    """Evidence from the title, or from a headline line opening the text (no final stop)."""
    if c.field == "title":
        return True
    return c.index == 0 and not c.sentence.text.rstrip().endswith((".", "!", "?", "»", '"', "”"))


def _candidate(
    art: Reading,
    tr: TypeRules,
    rule: Rule,
    mk: Masked,
    m: re.Match[str],
    fld: str,
    modality: Modality,
    filled: Filled,
) -> Candidate:
    """A match whose slots are filled, with its target written for display."""
    details: dict[str, str] = {"field": fld, "trigger": m.group(0).replace(TOKEN_OPEN, "")}
    details.update(filled.details)
    if filled.target_entity:
        details["target_entity"] = filled.target_entity
    return Candidate(
        type=tr.type,
        rule=rule,
        sentence=mk.sentence,
        field=fld,
        index=mk.sentence.start,
        actors=filled.actors,
        target=_format_target(tr, filled.target_entity, art, mk, m),
        target_entity=filled.target_entity,
        modality=modality,
        confidence=min(filled.confidence, 0.99),
        trigger=details["trigger"],
        details=details,
    )


def _trace_close_rules(art: Reading, tr: TypeRules, fld: str, index: int, text: str) -> None:
    """For a sentence no pattern matched: the rules that found some of their required
    parts, with the parts found and missing (the missing part is what to extend)."""
    assert art.trace is not None
    close: list[tuple[int, str, str]] = []
    for rule in tr.rules:
        best: tuple[int, list[str], list[str]] | None = None
        for parts in rule.parts:
            has = [name for name, rx in parts if rx.search(text)]
            lacks = [name for name, rx in parts if name not in has]
            if has and (best is None or len(has) - len(lacks) > best[0]):
                best = (len(has) - len(lacks), has, lacks)
        if best is None:
            continue
        score, has, lacks = best
        found = ", ".join("{" + h + "}" for h in has)
        if lacks:
            missing = ", ".join("{" + m + "}" for m in lacks)
            note = f"has {found}, lacks {missing}"
        else:
            note = f"has {found}; the rest of the pattern does not fit"
        close.append((score, rule.id, note))
    # The closest few: most required parts present, fewest missing.
    for _score, rule_id, note in sorted(close, key=lambda c: -c[0])[:4]:
        art.trace.append(f"{tr.type.value} [{fld}#{index}]   came close: {rule_id} ({note})")


def _slot_without_mention(tr: TypeRules, mk: Masked) -> str | None:
    """A needed slot that only the sentence's own mentions can fill, when it has none."""
    letters = set(mk.letters)
    if (
        "actor" in tr.need
        and not tr.pronoun_actor
        and not tr.written_actor
        and not letters & set(tr.actor_kinds)
    ):
        return "actor"
    if (
        "target" in tr.need
        and not tr.org_fallback
        and not tr.written_target
        and not letters & set(tr.target_kinds + "P")
    ):
        return "target"
    return None


def _holds(
    c: Cond,
    text: str,
    ms: int,
    me: int,
    clause: tuple[int, int],
    memo: dict[int, bool],
    context: Callable[[], str] | None = None,
) -> bool:
    if c.scope == "context":
        return context is not None and bool(c.regex.search(context()))
    if c.scope == "sentence":
        key = id(c)
        if key not in memo:
            memo[key] = bool(c.regex.search(text))
        return memo[key]
    return bool(c.regex.search(_scope_text(c, text, ms, me, clause)))


def _rejection(
    art: Reading,
    fld: str,
    tr: TypeRules,
    rule: Rule,
    text: str,
    ms: int,
    me: int,
    clause: tuple[int, int],
    memo: dict[int, bool],
    sent: Sentence | None = None,
) -> str | None:
    """Why a match is rejected (veto, unmet requirement, background), or None."""

    def context() -> str:
        return art.context_text(fld, sent) if sent is not None else ""

    common = (c for c in art.rules.unless if c.id not in tr.skip_common)
    for c in itertools.chain(common, tr.unless, rule.unless):
        if _holds(c, text, ms, me, clause, memo, context):
            return f"unless:{c.id}"
    for label, conds in (("type requires", tr.requires), ("rule requires", rule.requires)):
        if not all(_holds(c, text, ms, me, clause, memo, context) for c in conds):
            return label
    revealed = tr.reports_are_news and any(p.search(text) for p in art.rules.revelation)
    if (
        fld == "text"
        and not revealed
        and _is_background(art.rules, text, clause, art.ref_year, art.published)
    ):
        return "background"
    return None


def _trace(
    art: Reading,
    rule: Rule,
    mk: Masked,
    m: re.Match[str],
    fld: str,
    index: int,
    cand: Candidate | None,
    why: str | None,
) -> None:
    shown = _TOKEN.sub(lambda t: "<" + mk.mentions[int(t.group(2))].entity.name + ">", m.group(0))
    verdict = f"kept {cand.actors} -> {cand.target}" if cand else f"REJECTED ({_why_label(why)})"
    assert art.trace is not None
    art.trace.append(
        f"{rule.id.split('.')[1]} [{fld}#{index}]   rule {rule.id}: {verdict}: {shown!r}"
    )


def _why_label(why: str | None) -> str:
    """An analyst's reading of a rejection code: which family of check said no."""
    if why is None:
        return "kept"
    if why.startswith("unless:"):
        return f"veto {why[7:]}"
    if why.startswith("modality"):
        return why
    if why == "slots":
        return "slot: actor or target not found"
    if why.endswith("requires"):
        return f"{why} not met"
    return why


def _trace_sentence(art: Reading, tr: TypeRules, fld: str, sent: Sentence, note: str) -> None:
    assert art.trace is not None
    text = " ".join(sent.text.split())
    if len(text) > 300:
        text = text[:297] + "…"
    art.trace.append(f"{tr.type.value} [{fld}#{sent.start}] {note}: {text}")


def _trace_near_sentences(art: Reading, fld: str) -> None:
    """Sentences where some, but not all, prefilter groups of a type hit: the words
    that were missing are named, so an analyst sees which vocabulary to extend."""
    source = art.title if fld == "title" else art.text
    hits = art.scanner.hits(source)
    if not hits:
        return
    for sent in split_sentences(source):
        ids = [h for p, h in hits if sent.start <= p < sent.end]
        if not ids:
            continue
        seen = frozenset().union(*ids)
        for t, tr in enumerate(art.rules.types):
            need = art.scanner.required[t]
            have = need & seen
            if not have or have == need:
                continue
            missing = [g for (_t, g) in sorted(need - seen)]
            words = "; ".join(
                "["
                + ", ".join(tr.prefilter[g][:6])
                + (", …" if len(tr.prefilter[g]) > 6 else "")
                + "]"
                for g in missing
            )
            _trace_sentence(art, tr, fld, sent, f"near miss (prefilter: no word of {words})")


def _venue(art: Reading, mk: Masked) -> str | None:
    """Where the meeting is held: a capital used as a place (reported by its canonical
    city name, so "в Минске" and "in Minsk" agree), else a place named as written after
    the language's `venue` cue; this sentence first, then any sentence naming a meeting."""
    lr = art.rules
    found = _venue_in(lr, mk)
    if found:
        return found
    if lr.meeting_word is None:
        return None
    # The title, the lead and the sentences already read: a venue is named early.
    others = [("title", s) for s in art.title_sentences] + [("text", s) for s in art.lead]
    others += [(f, mk2.sentence) for (f, _start), mk2 in list(art._masked.items())]
    for fld, sent in others:
        if sent.text is mk.sentence.text or not art.names_meeting(fld, sent):
            continue
        found = _venue_in(lr, art.masked(fld, sent), near_meeting=True)
        if found:
            return found
    return None


def _venue_in(lr: LanguageRules, mk: Masked, near_meeting: bool = False) -> str | None:
    for i, letter in enumerate(mk.letters):
        if letter != "P":
            continue
        before = mk.text[max(0, mk.token_pos[i][0] - 80) : mk.token_pos[i][0]]
        if not near_meeting or (lr.meeting_word and lr.meeting_word.search(before)):
            return mk.mentions[i].display or _place_name(mk, i)
    if lr.venue is not None:
        for vm in lr.venue.finditer(mk.text):
            before = mk.text[max(0, vm.start() - 80) : vm.start()]
            if lr.meeting_word and lr.meeting_word.search(before):
                return vm.group("place")
    return None


def _place_name(mk: Masked, i: int) -> str:
    m = mk.mentions[i]
    return mk.sentence.text.replace("\u2019", "'")[m.start : m.end]


def _first_kind(kinds: tuple[tuple[re.Pattern[str], str], ...], *texts: str) -> str | None:
    """Display name of the first kind (in data order) found in the first text that has one."""
    for text in texts:
        for regex, display in kinds:
            if regex.search(text):
                return display
    return None


def _unmask(mk: Masked, text: str) -> str:
    """Masked text with each token replaced by its entity's canonical (or place) name."""

    def name(t: re.Match[str]) -> str:
        mention = mk.mentions[int(t.group(2))]
        return mention.display or mention.entity.name

    return _TOKEN.sub(name, text)


def _format_target(
    tr: TypeRules, entity: str | None, art: Reading, mk: Masked, m: re.Match[str]
) -> str | None:
    """The detection's target as an analyst reads it (see the rule file's `target_format`):
    the entity; a meeting as "<organisation> <kind>, <venue>" ("CSTO Council of Foreign
    Ministers, Almaty"); a document as "<meeting or organisation> <document kind>"."""
    fmt = tr.target_format
    lr = art.rules
    if fmt == "meeting":
        kind = _first_kind(lr.meeting_kinds, mk.text) or "summit"
        base = kind
        if entity:
            base = entity if kind.lower() in entity.lower() else f"{entity} {kind}"
        venue = _venue(art, mk)
        if venue and venue.lower() not in base.lower():
            return f"{base}, {venue}"
        return base
    if fmt == "document":
        word = _first_kind(lr.document_kinds, m.group(0), mk.text) or "declaration"
        if lr.document_owner is not None:
            om = lr.document_owner.search(mk.text)
            if om:
                owner = _unmask(mk, om.group("owner")).strip()
                kind = _first_kind(lr.meeting_kinds, om.group(0))
                if kind and kind.lower() not in owner.lower():
                    owner = f"{owner} {kind}"
                return f"{owner} {word}"
        return f"{entity} {word}" if entity else word
    return entity


def extract_reason(art: Reading, cand: Candidate) -> str | None:
    """The stated reason for a boycott: in the evidence sentence, else a sentence about it."""
    lr = art.rules

    def order() -> Iterator[Sentence]:
        yield cand.sentence
        if lr.reason_context is None:
            return
        # Only paragraphs holding a reason cue are split (as in `Reading.units`).
        text, seen = art.text, set()
        tail = art.tail("text")
        for cue in lr.reason_context.finditer(text, 0, tail):
            para = text.rfind("\n", 0, cue.start()) + 1
            if para in seen:
                continue
            seen.add(para)
            for s in art.paragraph("text", para):
                if s.text != cand.sentence.text and lr.reason_context.search(s.text):
                    yield s

    for s in order():
        txt = s.text
        for p in lr.reason:
            rm = p.search(txt)
            if rm:
                reason = rm.group("reason").strip(" ,;:\"'“”«»")
                if len(reason) > 8:
                    return reason[:300]
    return None


def _settled(c: Candidate | None) -> bool:
    # Only the best evidence per type is reported; once a body sentence proves the type
    # with top confidence and enough context, later sentences cannot do meaningfully better.
    return (
        c is not None and c.field == "text" and c.confidence >= 0.95 and len(c.sentence.text) >= 150
    )


@cache
def _top(confidence: float) -> float:
    """The best confidence a match of a rule of this confidence can reach (every slot bonus);
    a few distinct values, asked for every rule in every candidate sentence."""
    return round(min(confidence + MAX_SLOT_BONUS, 0.99), 3)


def _ranked_length(sent: Sentence) -> int:
    # Ties go to the fuller sentence: a body sentence usually says more than a headline
    # or subtitle line that repeats it (capped so rambling sentences do not win).
    return min(len(sent.text), 250)


def _rank(c: Candidate) -> tuple[float, int]:
    """Which of two candidates is the better evidence: confidence, then sentence length.
    The best any match of a rule could reach in a sentence is `(_top(conf), length)`."""
    return (round(c.confidence, 3), _ranked_length(c.sentence))


def _first_match(pattern: re.Pattern[str], paragraphs: list[str]) -> re.Match[str] | None:
    return next((m for p in paragraphs if (m := pattern.search(p))), None)


def _overruled(art: Reading, c: Candidate, t_index: int, tr: TypeRules) -> str | None:
    """Why the rest of the article overrules the chosen evidence of a type, or None."""
    if tr.denied_by is not None:
        # A denial names the step, so only paragraphs with the type's trigger words
        # (its first prefilter group) are searched.
        paragraphs = art.paragraphs_with("text", t_index, 0) + art.paragraphs_with(
            "title", t_index, 0
        )
        if dm := _first_match(tr.denied_by, paragraphs):
            return f"the article denies it elsewhere: {dm.group(0)!r}"
    if _is_headline(c) and tr.headline_contradicted_by is not None and len(tr.prefilter) > 1:
        paragraphs = art.paragraphs_with("text", t_index, 1)
        if cm := _first_match(tr.headline_contradicted_by, paragraphs):
            return f"the body contradicts the headline: {cm.group(0)!r}"
    return None


def run(art: Reading) -> list[Candidate]:
    """Best candidate per event type for one article."""
    lr = art.rules
    best: dict[EventType, Candidate] = {}
    for fld in ("text", "title"):
        for sent, type_idx in art.units(fld):
            for t in type_idx:
                tr = lr.types[t]
                if fld == "title" and tr.type in best:
                    continue  # the title is evidence only when the body proves nothing
                if _settled(best.get(tr.type)):
                    if art.trace is not None:
                        _trace_sentence(art, tr, fld, sent, "not read (already proven)")
                    continue  # a strong, full-sentence proof is already in hand
                cur = best.get(tr.type)
                floor = _rank(cur) if cur is not None and cur.field == fld else None
                ceiling = (_top(tr.max_confidence), _ranked_length(sent))
                if floor is not None and art.trace is None and ceiling <= floor:
                    continue  # no rule of the type could outrank the evidence in hand
                for c in _find_candidates(art, fld, sent, tr, floor):
                    cur = best.get(tr.type)
                    if (
                        cur is None
                        or (cur.field == "title" and fld == "text")
                        or (cur.field == fld and _rank(c) > _rank(cur))
                    ):
                        best[tr.type] = c
    for etype, c in list(best.items()):
        t_index, tr = next((i, t) for i, t in enumerate(lr.types) if t.type == etype)
        why = _overruled(art, c, t_index, tr)
        if why is not None:
            del best[etype]
            if art.trace is not None:
                art.trace.append(f"{etype.value} [{c.field}#{c.index}] REJECTED {c.rule.id}: {why}")
    if art.trace is not None:
        for fld in ("text", "title"):
            _trace_near_sentences(art, fld)
        for c in best.values():
            art.trace.append(
                f"{c.type.value} [{c.field}#{c.index}] CHOSEN {c.rule.id} "
                f"(confidence {c.confidence:.2f}, {c.modality.value})"
            )
    for c in best.values():
        tr = next(t for t in lr.types if t.type == c.type)
        if tr.with_reason:
            c.reason = extract_reason(art, c)
    return sorted(best.values(), key=lambda c: _TYPE_ORDER[c.type])


def to_detection(c: Candidate, lang: str) -> Detection:
    return Detection(
        type=c.type,
        modality=c.modality,
        actors=c.actors,
        target=c.target,
        evidence=c.sentence.text,
        evidence_start=c.sentence.start,
        evidence_end=c.sentence.end,
        rule=c.rule.id,
        confidence=round(c.confidence, 3),
        reason=c.reason,
        lang=lang,
        details=c.details,
    )
