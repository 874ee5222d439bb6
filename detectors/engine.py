"""The rule interpreter: article text + compiled rules → Detections.

Owns: the order of work for one article (cheap prefilter, sentence split, entity masking
of candidate sentences only, rule matching, vetoes, background and modality scoping,
slot filling, choosing the best evidence per type). Knows no vocabulary: every word it
reacts to comes from the rule files or the entity table.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from detectors.entities import EntityTable, Mention
from detectors.rules import TOKEN_CLOSE, TOKEN_OPEN, Cond, LanguageRules, Rule, TypeRules
from detectors.scan import Scanner, build_scanner
from detectors.sentences import (
    Sentence,
    lead_sentences,
    paragraph_sentences,
    split_sentences,
    tail_start,
)
from detectors.types import Detection, EventType, Modality

_KIND_LETTER = {"person": "N", "org": "O", "treaty": "T", "armed_group": "A", "place": "P"}
_TOKEN = re.compile(f"{TOKEN_OPEN}([A-Z])(\\d+){TOKEN_CLOSE}")
_FIRST_PERSON = re.compile(r"(?<!\w)(?:we|our|i|мы|наш\w*|я)(?!\w)", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
# Type order for output: stable and matching EventType declaration order.
_TYPE_ORDER = {t: i for i, t in enumerate(EventType)}
# How many opening sentences define "the article's" main actor and organisation.
_LEAD_SENTENCES = 8


def _letter(m: Mention) -> str:
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
        letter = _letter(m)
        tok = f"{TOKEN_OPEN}{letter}{i}{TOKEN_CLOSE}"
        parts.append(tok)
        spans.append((length, length + len(tok)))
        length += len(tok)
        letters.append(letter)
        pos = m.end
    parts.append(src[pos:])
    return Masked(sentence, "".join(parts), mentions, letters, spans)


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
    _hits: dict[str, list[tuple[int, frozenset[tuple[int, int]]]]] = field(default_factory=dict)

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
        tail = tail_start(source)
        for pos, ids in hits:
            if pos >= tail:
                break
            by_para.setdefault(source.rfind("\n", 0, pos) + 1, []).append((pos, ids))
        out: list[tuple[Sentence, list[int]]] = []
        for a, para_hits in by_para.items():
            if not self.scanner.types_in([h for _p, h in para_hits]):
                continue  # no type has all its stem groups in this paragraph
            for sent in paragraph_sentences(source, a):
                ids = [h for p, h in para_hits if sent.start <= p < sent.end]
                types = self.scanner.types_in(ids) if ids else []
                if types:
                    out.append((sent, types))
        return out

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


# A trailing time clause dates the event before it: "ties were cut after the 2008 war",
# "отношения разорваны после войны 2008 года".
_TIME_TAIL = re.compile(
    r"\W{0,3}(?:after|following|since|during|in the wake of|после|с|со времени|в ходе|по итогам)\s[^;:.]{0,60}",
    re.IGNORECASE,
)


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
    tail = _TIME_TAIL.match(text, clause[1])
    if tail:
        ctext += " " + tail.group(0)
    years = [int(y) for y in _YEAR.findall(ctext)]
    past = any(y < ref_year for y in years)
    if not past and published is not None and all(y == published.year for y in years):
        # "in February" in a June article: an earlier step of this year.
        past = any(p.search(ctext) for p in lr.months[: published.month - 1])
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


def _slot_mentions(m: re.Match[str], slot: str) -> list[int]:
    out = []
    for name, value in m.groupdict().items():
        if value and name.rsplit("_", 1)[0] == slot:
            out.extend(int(t.group(2)) for t in _TOKEN.finditer(value))
    return out


def _subject(
    lr: LanguageRules, mk: Masked, before: int, letters: str, clause_start: int = 0
) -> list[int]:
    """Mentions forming the subject left of `before`, textual order.

    The trigger's own clause is searched first ("… after Minsk reportedly sent weapons"),
    then the whole sentence to its left ("Myanmar was absent … after the government refused").
    """
    if clause_start > 0:
        own = _subject_from(lr, mk, before, letters, clause_start)
        if own:
            # A list split by the clause-breaking commas ("India, Saudi Arabia, Mexico and
            # the UAE did not sign") continues to the left of the clause.
            if _LIST_HEAD.fullmatch(mk.text[clause_start : mk.token_pos[own[0]][0]]):
                full = _subject_from(lr, mk, before, letters, 0)
                if len(full) > len(own) and full[-len(own) :] == own:
                    return full
            return own
        if _FIRST_PERSON.search(mk.text[clause_start:before]):
            return []  # "… after we exit the EU": the speaker, not a state named earlier
    return _subject_from(lr, mk, before, letters, 0)


_LIST_HEAD = re.compile(r"\W*(?:the\s+)?", re.IGNORECASE)


def _subject_from(lr: LanguageRules, mk: Masked, before: int, letters: str, lo: int) -> list[int]:
    found: list[tuple[int, bool]] = []
    for i, (s, _e) in enumerate(mk.token_pos):
        if s >= before or s < lo or mk.letters[i] not in letters:
            continue
        prep = False
        if lr.subject_preps is not None:
            pm = lr.subject_preps.search(mk.text[max(0, s - 40) : s])
            prep = bool(pm) and not pm.group(0).lower().startswith("of")
            if pm and pm.group(0).lower().startswith("of"):
                prep = "of"  # type: ignore[assignment]
        found.append((i, prep))  # type: ignore[arg-type]
    plain = [i for i, p in found if p is False]
    if plain:
        chain = [plain[-1]]
        # Walk left while the gap between mentions only joins them into one noun phrase
        # ("Burkina Faso, Mali and Niger"; "the ministers of Ukraine, Estonia and Latvia").
        for i, p in reversed(found):
            if i >= chain[-1] or mk.token_pos[i][0] >= mk.token_pos[chain[-1]][0]:
                continue
            gap = mk.text[mk.token_pos[i][1] : mk.token_pos[chain[-1]][0]]
            if p not in (False, "of") or lr.join_words is None or not lr.join_words.search(gap):
                break
            chain.append(i)
        return chain[::-1]
    of = [i for i, p in found if p == "of"]
    return [of[-1]] if of else []


def _antecedent(lr: LanguageRules, mk: Masked, clause_start: int, letters: str) -> list[int]:
    """'X, whose government is boycotting …': the mention the relative clause hangs on."""
    if lr.relative is None or not lr.relative.match(mk.text[clause_start:]):
        return []
    head = mk.text[:clause_start].rstrip(" ,")
    for i in range(len(mk.token_pos) - 1, -1, -1):
        e = mk.token_pos[i][1]
        if e <= len(head) and len(head) - e <= 2:
            return [i] if mk.letters[i] in letters else []
    return []


def _speaker_right(mk: Masked, after: int, letters: str) -> list[int]:
    """'…," Popescu said': the speaker after a quotation stands in for a pronoun subject."""
    m = re.search(
        f"{TOKEN_OPEN}[{letters}](\\d+){TOKEN_CLOSE}(?:\\s+\\S+){{0,3}}?\\s+(?:said|told|says|added|stated|wrote|declared|announced|заявил\\w*|сказал\\w*|сообщил\\w*)",
        mk.text[after:],
    )
    return [int(m.group(1))] if m else []


def _prep_slots(tr: TypeRules, mk: Masked, start: int) -> dict[str, list[int]]:
    """Fill slots from 'from X', 'to X', 'with X' … right of the trigger start."""
    out: dict[str, list[int]] = {"actor": [], "target": []}
    if not tr.preps:
        return out
    for i, (s, _e) in enumerate(mk.token_pos):
        if s < start:
            continue
        head = mk.text[max(start, s - 30) : s].lower()
        for prep, slot in tr.preps.items():
            if re.search(f"(?<!\\w){re.escape(prep)}\\s+(?:the\\s+|its\\s+)?(?:\\S+\\s+)?$", head):
                kinds = tr.actor_kinds if slot == "actor" else tr.target_kinds
                if mk.letters[i] in kinds + "P":
                    out[slot].append(i)
                break
    return out


def _names(mk: Masked, idx: list[int]) -> list[str]:
    seen: list[str] = []
    for i in idx:
        n = mk.mentions[i].entity.name
        if n not in seen:
            seen.append(n)
    return seen


def _actor_tuple(mk: Masked, idx: list[int], table: EntityTable) -> tuple[str, ...]:
    """States first, then people (whose state is added if missing), then others."""
    states: list[str] = []
    people: list[str] = []
    others: list[str] = []
    for i in idx:
        e = mk.mentions[i].entity
        if e.kind == "state":
            states.append(e.name)
        elif e.kind == "person":
            people.append(e.name)
            if e.state:
                states.append(e.state)
        else:
            others.append(e.name)
    out: list[str] = []
    for n in states + people + others:
        if n not in out:
            out.append(n)
    return tuple(out)


def _find_candidates(art: Reading, fld: str, sent: Sentence, tr: TypeRules) -> list[Candidate]:
    lr = art.rules
    mk = art.masked(fld, sent)
    index = sent.start
    text = mk.text
    out: list[Candidate] = []
    # Sentence-scope conditions do not depend on the match: evaluate each at most once.
    memo: dict[int, bool] = {}
    if art.trace is not None:
        _trace_sentence(art, tr, fld, sent, "candidate sentence")
        n_trace = len(art.trace)
    missing = _slot_without_mention(tr, mk)
    if missing:
        # Cheap and exact: this type fills that slot only from the sentence's own names.
        if art.trace is not None:
            art.trace.append(f"{tr.type.value} [{fld}#{index}]   no {missing} named: not read")
        return out
    for rule in tr.rules:
        for m in rule.regex.finditer(text):
            ms, me = m.start(), m.end()
            clause = _clause(lr, text, ms, me)
            why = _rejection(art, fld, tr, rule, text, ms, me, clause, memo)
            modality = _modality(lr, tr, rule, text[clause[0] : me])
            if why is None and modality not in tr.allowed_modality:
                why = f"modality {modality.value}"
            cand = None
            if why is None:
                cand = _fill_slots(art, tr, rule, mk, m, clause, fld, index, modality)
                if cand is None:
                    why = "slots"
                else:
                    out.append(cand)
            if art.trace is not None:
                _trace(art, rule, mk, m, fld, index, cand, why)
    if art.trace is not None and len(art.trace) == n_trace:
        art.trace.append(f"{tr.type.value} [{fld}#{index}]   no rule pattern matches this sentence")
        _trace_close_rules(art, tr, fld, index, text)
    return out


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
    c: Cond, text: str, ms: int, me: int, clause: tuple[int, int], memo: dict[int, bool]
) -> bool:
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
) -> str | None:
    """Why a match is rejected (veto, unmet requirement, background), or None."""
    for c in art.rules.unless:
        if c.id not in tr.skip_common and _holds(c, text, ms, me, clause, memo):
            return f"unless:{c.id}"
    for c in (*tr.unless, *rule.unless):
        if _holds(c, text, ms, me, clause, memo):
            return f"unless:{c.id}"
    for label, conds in (("type requires", tr.requires), ("rule requires", rule.requires)):
        if not all(_holds(c, text, ms, me, clause, memo) for c in conds):
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


def _fill_slots(
    art: Reading,
    tr: TypeRules,
    rule: Rule,
    mk: Masked,
    m: re.Match[str],
    clause: tuple[int, int],
    fld: str,
    index: int,
    modality: Modality,
) -> Candidate | None:
    lr = art.rules
    ms, me = m.start(), m.end()
    slots = {s: _slot_mentions(m, s) for s in ("actor", "target")}
    preps = _prep_slots(tr, mk, ms)
    subject_slot = rule.subject
    if subject_slot != "none":
        subj_kinds = tr.actor_kinds if subject_slot == "actor" else tr.target_kinds
        if not slots[subject_slot]:
            slots[subject_slot] = _antecedent(lr, mk, clause[0], subj_kinds)
        if not slots[subject_slot]:
            slots[subject_slot] = _subject(lr, mk, ms, subj_kinds, clause[0])
    for slot in ("actor", "target"):
        if not slots[slot]:
            slots[slot] = preps[slot]
    # "between Armenia and Belarus", "Armenia and Belarus sever ties": both sides named.
    # A pair naming only the counterpart ("the Belarusian envoy") fills the target when
    # nothing else did, and never replaces the subject found for the trigger.
    for pair in tr.pairs:
        pm = pair.search(mk.text)
        if not pm:
            continue
        p_actor, p_target = _slot_mentions(pm, "actor"), _slot_mentions(pm, "target")
        if p_actor:
            slots["actor"] = p_actor + p_target
            slots["target"] = p_target
            break
        if slots["actor"]:
            own = {mk.mentions[i].entity.name for i in slots["actor"]}
            p_target = [i for i in p_target if mk.mentions[i].entity.name not in own]
            if p_target and not slots["target"]:
                slots["target"] = p_target
        else:
            slots["actor"] = p_target
            slots["target"] = p_target
        break
    confidence = rule.confidence
    details: dict[str, str] = {"field": fld, "trigger": m.group(0).replace(TOKEN_OPEN, "")}

    # Actor fallbacks: the speaker of a quotation, then a pronoun resolved to the article.
    actor_names: tuple[str, ...] = ()
    if slots["actor"]:
        actor_names = _actor_tuple(mk, slots["actor"], art.table)
    else:
        speaker = _speaker_right(mk, me, tr.actor_kinds)
        if speaker:
            actor_names = _actor_tuple(mk, speaker, art.table)
            details["actor_from"] = "speaker"
        elif (
            subject_slot == "actor"
            and tr.pronoun_actor
            and lr.pronouns is not None
            and lr.pronouns.search(mk.text[clause[0] if clause[0] < ms else 0 : ms])
        ):
            named_targets = {mk.mentions[i].entity.name for i in slots["target"]}
            main = art.main_entity(tr.actor_kinds.replace("P", ""), exclude=named_targets)
            if main:
                actor_names = (main,)
                confidence -= 0.05
                details["actor_from"] = "article"
        if not actor_names and subject_slot == "actor" and tr.written_actor:
            written = _written_subject(lr, mk.text, clause[0] if clause[0] < ms else 0, ms)
            if written:
                actor_names = (written,)
                confidence -= 0.05
                details["actor_from"] = "as written"
    # Target: named slot or preposition, else the first fitting mention right of the trigger.
    target_idx = [i for i in slots["target"] if _names(mk, [i])[0] not in actor_names]
    if not target_idx and slots["target"] and len(actor_names) > 1:
        target_idx = slots["target"][:1]  # a pair: the second party is also the target
    if not target_idx and tr.target_right:
        for i, (s, _e) in enumerate(mk.token_pos):
            fits = s >= ms and mk.letters[i] in tr.target_kinds
            if fits and mk.mentions[i].entity.name not in actor_names:
                target_idx = [i]
                break
    target_entity = None
    if target_idx:
        ent = mk.mentions[target_idx[0]].entity
        target_entity = ent.name
        if ent.kind == "person" and ent.state:
            target_entity = ent.state
    elif tr.written_target and (written := _written_name(mk, ms, me)):
        target_entity = written
        details["target_from"] = "as written"
    elif tr.org_fallback:
        target_entity = art.main_entity(tr.target_kinds, exclude=set(actor_names))
        if target_entity:
            details["target_from"] = "article"
            confidence -= 0.05
    if details.get("actor_from") == "speaker" and target_entity in actor_names:
        actor_names = ()  # "… arrived in Ukraine, Zelensky said": the speaker is the recipient
    if "actor" in tr.need and not actor_names:
        return None
    if "target" in tr.need and target_entity is None:
        return None
    if actor_names and target_entity and target_entity == actor_names[0] and len(actor_names) == 1:
        target_entity = None
        if "target" in tr.need:
            return None
    confidence += 0.05 * bool(actor_names) + 0.05 * bool(target_entity)
    target = _format_target(tr, target_entity, art, mk, m)
    if target_entity:
        details["target_entity"] = target_entity
    return Candidate(
        type=tr.type,
        rule=rule,
        sentence=mk.sentence,
        field=fld,
        index=index,
        actors=actor_names,
        target=target,
        target_entity=target_entity,
        modality=modality,
        confidence=min(confidence, 0.99),
        trigger=details["trigger"],
        details=details,
    )


# A proper name as written: capitalised words, joined by lower-case linking words
# ("Union of South American Nations", "Indus Waters Treaty"). No vocabulary: only case.
_NAME_RUN = re.compile(
    r"(?<![\w\ue000\ue001])(?-i:[A-ZА-ЯЁ])[\w'’.-]*"
    r"(?:\s+(?:(?:of|for|and|the|on|de|la)\s+)*(?-i:[A-ZА-ЯЁ])[\w'’.-]*)+"
)


_ONE_NAME = re.compile(
    r"\W*(?:(?-i:the|The) )?(?P<name>(?-i:[A-ZА-ЯЁ])[\w'’-]+(?:\s+(?:(?:of|for|and|the|de)\s+)*"
    r"(?-i:[A-ZА-ЯЁ])[\w'’-]+)*)(?P<rest>[^\ue000\ue001]*)$"
)


def _written_subject(lr: LanguageRules, text: str, start: int, ms: int) -> str | None:
    """A name opening the trigger's clause, with at most a few words before the trigger
    ("Somaliland recalled", "Republika Srpska will boycott"), that no table knows."""
    m = _ONE_NAME.match(text[start:ms])
    if not m or len(m.group("rest").split()) > 4:
        return None
    name = m.group("name")
    words = name.split()
    if words[0] in lr.not_names:
        return None
    if len(words) == 1 and lr.not_name_pattern is not None and lr.not_name_pattern.search(name):
        return None
    return name


def _written_name(mk: Masked, ms: int, me: int) -> str | None:
    """The name (two or more capitalised words) that the match ends in or runs into, read
    on the sentence as written (a demonym inside a name, "South American", stays).

    The trigger word itself is skipped: it may be capitalised at a sentence start."""
    first = mk.text.find(" ", ms, me)
    if first < 0:
        return None
    src = mk.sentence.text.replace("\u2019", "'")
    lo, hi = _original_pos(mk, first), _original_pos(mk, me)
    for m in _NAME_RUN.finditer(src, lo, min(len(src), hi + 80)):
        if m.start() > hi:
            break
        if m.end() >= hi - 1:
            return m.group(0).rstrip(".'")
    return None


def _original_pos(mk: Masked, pos: int) -> int:
    """The position in the sentence as written that `pos` in the masked text stands for."""
    shift = 0
    for i, (s, e) in enumerate(mk.token_pos):
        if e > pos:
            break
        m = mk.mentions[i]
        shift += (e - s) - (m.end - m.start)
    return pos - shift


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
        if sent.text is mk.sentence.text or not lr.meeting_word.search(sent.text):
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
        tail = tail_start(text)
        for cue in lr.reason_context.finditer(text, 0, tail):
            para = text.rfind("\n", 0, cue.start()) + 1
            if para in seen:
                continue
            seen.add(para)
            for s in paragraph_sentences(text, para):
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


def _rank(c: Candidate) -> tuple[float, int]:
    # Ties go to the fuller sentence: a body sentence usually says more than a headline
    # or subtitle line that repeats it (capped so rambling sentences do not win).
    return (round(c.confidence, 3), min(len(c.sentence.text), 250))


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
                for c in _find_candidates(art, fld, sent, tr):
                    cur = best.get(tr.type)
                    if (
                        cur is None
                        or (cur.field == "title" and fld == "text")
                        or (cur.field == fld and _rank(c) > _rank(cur))
                    ):
                        best[tr.type] = c
    for etype, c in list(best.items()):
        t_index, tr = next((i, t) for i, t in enumerate(lr.types) if t.type == etype)
        # A denial names the step, so only paragraphs with the type's trigger words
        # (its first prefilter group) are searched.
        paragraphs = art.paragraphs_with("text", t_index, 0) + art.paragraphs_with(
            "title", t_index, 0
        )
        if tr.denied_by is not None and (
            dm := next((m for p in paragraphs if (m := tr.denied_by.search(p))), None)
        ):
            del best[etype]
            if art.trace is not None:
                art.trace.append(
                    f"{etype.value} [{c.field}#{c.index}] REJECTED {c.rule.id}: the article "
                    f"denies it elsewhere: {dm.group(0)!r}"
                )
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
