"""Slot filling: who took the step (actor) and what it was aimed at (target), for one
rule match that the engine has already accepted.

Owns: reading the masked sentence around a match — named slot groups, the grammatical
subject left of the trigger, a relative clause's antecedent, a quotation's speaker, a
pronoun resolved to the article's main actor, prepositional objects ("from X", "to X"),
pairs naming both sides, names no table knows reported as written — and the confidence
adjustments that come with each fallback. Every word it reacts to comes from the
language data (`rules/<lang>/_language.yaml`): first-person words, speech verbs,
prepositions, joining words, not-names.

Must never decide whether a match is an event (vetoes, background, modality are the
engine's) and never format targets for display (the engine's `_format_target`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Literal, Protocol

from detectors.masking import TOKEN, Masked
from detectors.rules import TOKEN_CLOSE, TOKEN_OPEN, LanguageRules, Rule, TypeRules

# Confidence lost when a slot is not read from the sentence itself but guessed from the
# article (main actor or organisation) or taken as written (a name no table knows).
_GUESS_PENALTY = 0.05
# Confidence gained for each slot that is filled.
_FILLED_BONUS = 0.05
# The most a match can gain over its rule's confidence (both slots filled).
MAX_SLOT_BONUS = 2 * _FILLED_BONUS

# How a mention left of the trigger relates to the clause: the bare subject ("plain"),
# the object of "of" ("the Prime Minister of Armenia", a last resort), or the object of
# another preposition ("the war in Ukraine": never a subject).
Attachment = Literal["plain", "of", "other"]


class ArticleContext(Protocol):
    """What slot filling needs from the article beyond the sentence."""

    rules: LanguageRules

    def main_entity(self, letters: str, exclude: set[str] | None = None) -> str | None: ...


@dataclass(slots=True)
class Filled:
    """The slots of one match: actors, target entity, confidence, and where each came from
    when not from the sentence's own subject or object (`actor_from`, `target_from`)."""

    actors: tuple[str, ...]
    target_entity: str | None
    confidence: float
    details: dict[str, str] = field(default_factory=dict)


def fill_slots(
    art: ArticleContext,
    type_rules: TypeRules,
    rule: Rule,
    masked: Masked,
    match: re.Match[str],
    clause: tuple[int, int],
) -> Filled | None:
    """Actor and target of `match`, or None when a slot the type needs stays empty."""
    slots = _slots_from_sentence(art.rules, type_rules, rule, masked, match, clause[0])
    confidence = rule.confidence
    details: dict[str, str] = {}

    actors: tuple[str, ...] = ()
    if slots["actor"]:
        actors = actor_names(masked, slots["actor"])
    else:
        actors, how = _actor_fallback(art, type_rules, rule, masked, match, clause, slots)
        if how:
            details["actor_from"] = how
            if how != "speaker":
                confidence -= _GUESS_PENALTY

    target_entity, how = _target(art, type_rules, masked, match, slots["target"], actors)
    if how:
        details["target_from"] = how
        if how == "article":
            confidence -= _GUESS_PENALTY
    if details.get("actor_from") == "speaker" and target_entity in actors:
        actors = ()  # "… arrived in Ukraine, Zelensky said": the speaker is the recipient
    if "actor" in type_rules.need and not actors:
        return None
    if "target" in type_rules.need and target_entity is None:
        return None
    if actors and target_entity and len(actors) == 1 and target_entity == actors[0]:
        target_entity = None  # a state cannot be its own target
        if "target" in type_rules.need:
            return None
    confidence += _FILLED_BONUS * bool(actors) + _FILLED_BONUS * bool(target_entity)
    return Filled(actors, target_entity, confidence, details)


def _slots_from_sentence(
    lang: LanguageRules,
    type_rules: TypeRules,
    rule: Rule,
    masked: Masked,
    match: re.Match[str],
    clause_start: int,
) -> dict[str, list[int]]:
    """Mention indices per slot read from the sentence alone, in order of trust: named
    groups of the pattern, the subject (antecedent, then left of the trigger),
    prepositional objects, then pairs naming both sides."""
    trigger_start = match.start()
    slots = {s: _named_group_mentions(match, s) for s in ("actor", "target")}
    by_preposition = _preposition_objects(lang, type_rules, masked, trigger_start)
    subject_slot = rule.subject
    if subject_slot != "none":
        kinds = type_rules.actor_kinds if subject_slot == "actor" else type_rules.target_kinds
        if not slots[subject_slot]:
            slots[subject_slot] = _antecedent(lang, masked, clause_start, kinds)
        if not slots[subject_slot]:
            slots[subject_slot] = subject_mentions(lang, masked, trigger_start, kinds, clause_start)
    for slot in ("actor", "target"):
        if not slots[slot]:
            slots[slot] = by_preposition[slot]
    _apply_pairs(type_rules, masked, slots, counterpart_only=rule.subject_right)
    return slots


def _apply_pairs(
    type_rules: TypeRules,
    masked: Masked,
    slots: dict[str, list[int]],
    counterpart_only: bool = False,
) -> None:
    """'between Armenia and Belarus', 'Armenia and Belarus sever ties': both sides named.

    A pair naming only the counterpart ("the Belarusian envoy") fills the target when
    nothing else did, and never replaces the subject found for the trigger."""
    for pair in type_rules.pairs:
        found = pair.search(masked.text)
        if not found:
            continue
        pair_actor = _named_group_mentions(found, "actor")
        pair_target = _named_group_mentions(found, "target")
        if pair_actor:
            slots["actor"] = pair_actor + pair_target
            slots["target"] = pair_target
        elif slots["actor"]:
            own = {masked.name(i) for i in slots["actor"]}
            pair_target = [i for i in pair_target if masked.name(i) not in own]
            if pair_target and not slots["target"]:
                slots["target"] = pair_target
        elif counterpart_only:
            # Verb-first rules find their subject after the trigger ("Выслать российского
            # посла решила Молдова"): the counterpart is the target, never the actor.
            slots["target"] = pair_target
        else:
            slots["actor"] = pair_target
            slots["target"] = pair_target
        return


def _actor_fallback(
    art: ArticleContext,
    type_rules: TypeRules,
    rule: Rule,
    masked: Masked,
    match: re.Match[str],
    clause: tuple[int, int],
    slots: dict[str, list[int]],
) -> tuple[tuple[str, ...], str | None]:
    """No actor in the sentence's subject: the speaker of a quotation, then a pronoun
    resolved to the article's main actor, then a name no table knows, as written.
    Returns the actors and where they came from."""
    lang = art.rules
    trigger_start, trigger_end = match.start(), match.end()
    speaker = _speaker_right(lang, masked, trigger_end, type_rules.actor_kinds)
    if speaker:
        return actor_names(masked, speaker), "speaker"
    if rule.subject != "actor":
        return (), None
    if rule.subject_right:
        right = _subject_right(
            masked, trigger_start, trigger_end, clause[1], type_rules.actor_kinds, slots
        )
        if right:
            return actor_names(masked, right), None
    # The subject words: the trigger's clause when it starts before the trigger.
    subject_from = clause[0] if clause[0] < trigger_start else 0
    subject_text = masked.text[subject_from:trigger_start]
    if (
        type_rules.pronoun_actor
        and lang.pronouns is not None
        and lang.pronouns.search(subject_text)
    ):
        named_targets = {masked.name(i) for i in slots["target"]}
        main = art.main_entity(type_rules.actor_kinds.replace("P", ""), exclude=named_targets)
        if main:
            return (main,), "article"
    if type_rules.written_actor:
        written = written_subject(lang, masked.text, subject_from, trigger_start)
        if written:
            return (written,), "as written"
    return (), None


def _target(
    art: ArticleContext,
    type_rules: TypeRules,
    masked: Masked,
    match: re.Match[str],
    named: list[int],
    actors: tuple[str, ...],
) -> tuple[str | None, str | None]:
    """The target entity and where it came from (None = the sentence itself): a named or
    prepositional mention, else the first fitting mention right of the trigger, else a
    name as written, else the article's main organisation."""
    trigger_start, trigger_end = match.start(), match.end()
    chosen = [i for i in named if masked.name(i) not in actors]
    if not chosen and named and len(actors) > 1:
        chosen = named[:1]  # a pair: the second party is also the target
    if not chosen and type_rules.target_right:
        for i, (start, _end) in enumerate(masked.token_pos):
            fits = start >= trigger_start and masked.letters[i] in type_rules.target_kinds
            if fits and masked.name(i) not in actors:
                chosen = [i]
                break
    if chosen:
        entity = masked.mentions[chosen[0]].entity
        # A person stands for their state ("expelled Lukashenko's envoy" → Belarus).
        return (entity.state if entity.kind == "person" and entity.state else entity.name), None
    if type_rules.written_target:
        written = written_name(art.rules, masked, trigger_start, trigger_end)
        written = written or written_phrase(art.rules, masked, trigger_start, trigger_end)
        if written:
            return written, "as written"
    if type_rules.org_fallback:
        main = art.main_entity(type_rules.target_kinds, exclude=set(actors))
        if main:
            return main, "article"
    return None, None


def _subject_right(
    masked: Masked,
    start: int,
    trigger_end: int,
    end: int,
    letters: str,
    slots: dict[str, list[int]],
) -> list[int]:
    """The first actor from `start` to `end` that is not the target: a subject after its
    verb ("на саммит не приедет премьер Армении"). One after the trigger comes first: in
    object-first clauses the names inside the trigger belong to the object, and the
    subject stands last ("Выслать российского посла решила Молдова")."""
    fitting = [
        i
        for i, (token_start, _end) in enumerate(masked.token_pos)
        if start <= token_start < end and masked.letters[i] in letters and i not in slots["target"]
    ]
    after = [i for i in fitting if masked.token_pos[i][0] >= trigger_end]
    return (after or fitting)[:1]


def _named_group_mentions(match: re.Match[str], slot: str) -> list[int]:
    """Mentions inside the pattern's named groups for `slot` (`actor`, `actor_2`, …)."""
    out = []
    for name, value in match.groupdict().items():
        if value and name.rsplit("_", 1)[0] == slot:
            out.extend(int(t.group(2)) for t in TOKEN.finditer(value))
    return out


def subject_mentions(
    lang: LanguageRules, masked: Masked, before: int, letters: str, clause_start: int = 0
) -> list[int]:
    """Mentions forming the subject left of `before`, textual order.

    The trigger's own clause is searched first ("… after Minsk reportedly sent weapons"),
    then the whole sentence to its left ("Myanmar was absent … after the government refused").
    """
    if clause_start > 0:
        own = _subject_from(lang, masked, before, letters, clause_start)
        if own:
            # A list split by the clause-breaking commas ("India, Saudi Arabia, Mexico and
            # the UAE did not sign") continues to the left of the clause.
            head = masked.text[clause_start : masked.token_pos[own[0]][0]]
            if lang.list_head is not None and lang.list_head.fullmatch(head):
                full = _subject_from(lang, masked, before, letters, 0)
                if len(full) > len(own) and full[-len(own) :] == own:
                    return full
            return own
        if lang.first_person is not None and lang.first_person.search(
            masked.text[clause_start:before]
        ):
            return []  # "… after we exit the EU": the speaker, not a state named earlier
    return _subject_from(lang, masked, before, letters, 0)


def _attachment(lang: LanguageRules, masked: Masked, token_start: int) -> Attachment:
    """How the mention starting at `token_start` hangs on the words before it."""
    if lang.subject_preps is None:
        return "plain"
    prep = lang.subject_preps.search(masked.text[max(0, token_start - 40) : token_start])
    if not prep:
        return "plain"
    weak = lang.weak_preposition
    return "of" if weak is not None and weak.match(prep.group(0)) else "other"


def _subject_from(
    lang: LanguageRules, masked: Masked, before: int, letters: str, lowest: int
) -> list[int]:
    """The subject among mentions in [lowest, before): the last bare mention, extended
    left through joining words into a list; else the last object of "of"."""
    found: list[tuple[int, Attachment]] = []
    for i, (start, _end) in enumerate(masked.token_pos):
        if start >= before or start < lowest or masked.letters[i] not in letters:
            continue
        found.append((i, _attachment(lang, masked, start)))
    plain = [i for i, how in found if how == "plain"]
    if not plain:
        of_objects = [i for i, how in found if how == "of"]
        return of_objects[-1:]
    chain = [plain[-1]]
    # Walk left while the gap between mentions only joins them into one noun phrase
    # ("Burkina Faso, Mali and Niger"; "the ministers of Ukraine, Estonia and Latvia").
    for i, how in reversed(found):
        head_start = masked.token_pos[chain[-1]][0]
        if i >= chain[-1] or masked.token_pos[i][0] >= head_start:
            continue
        gap = masked.text[masked.token_pos[i][1] : head_start]
        if how == "other" or lang.join_words is None or not lang.join_words.search(gap):
            break
        chain.append(i)
    return chain[::-1]


def _antecedent(lang: LanguageRules, masked: Masked, clause_start: int, letters: str) -> list[int]:
    """'X, whose government is boycotting …': the mention the relative clause hangs on."""
    if lang.relative is None or not lang.relative.match(masked.text[clause_start:]):
        return []
    head = masked.text[:clause_start].rstrip(" ,")
    for i in range(len(masked.token_pos) - 1, -1, -1):
        end = masked.token_pos[i][1]
        if end <= len(head) and len(head) - end <= 2:
            return [i] if masked.letters[i] in letters else []
    return []


def _speaker_right(lang: LanguageRules, masked: Masked, after: int, letters: str) -> list[int]:
    """'…," Popescu said': the speaker after a quotation stands in for a pronoun subject."""
    if lang.speech_verbs is None:
        return []
    found = re.search(
        f"{TOKEN_OPEN}[{letters}](\\d+){TOKEN_CLOSE}(?:\\s+\\S+){{0,3}}?\\s+"
        f"(?:{lang.speech_verbs.pattern})",
        masked.text[after:],
        lang.speech_verbs.flags,
    )
    return [int(found.group(1))] if found else []


def _preposition_objects(
    lang: LanguageRules, type_rules: TypeRules, masked: Masked, start: int
) -> dict[str, list[int]]:
    """Fill slots from 'from X', 'to X', 'with X' … right of the trigger start (the type's
    `preps`), allowing a determiner and one more word between ("to its northern ally")."""
    out: dict[str, list[int]] = {"actor": [], "target": []}
    if not type_rules.preps:
        return out
    for i, (token_start, _end) in enumerate(masked.token_pos):
        if token_start < start:
            continue
        head = masked.text[max(start, token_start - 30) : token_start].lower()
        for prep, prep_slot in type_rules.preps.items():
            if _preposition_before(prep, lang.determiners).search(head):
                kinds = type_rules.actor_kinds if prep_slot == "actor" else type_rules.target_kinds
                if masked.letters[i] in kinds + "P":
                    out[prep_slot].append(i)
                break
    return out


@functools.cache
def _preposition_before(prep: str, determiners: str) -> re.Pattern[str]:
    """`prep`, an optional determiner and at most one word, ending where a mention starts."""
    det = f"(?:(?:{determiners})\\s+)?" if determiners else ""
    return re.compile(f"(?<!\\w){re.escape(prep)}\\s+{det}(?:\\S+\\s+)?$")


def actor_names(masked: Masked, idx: list[int]) -> tuple[str, ...]:
    """States first, then people (whose state is added if missing), then others."""
    states: list[str] = []
    people: list[str] = []
    others: list[str] = []
    for i in idx:
        entity = masked.mentions[i].entity
        if entity.kind == "state":
            states.append(entity.name)
        elif entity.kind == "person":
            people.append(entity.name)
            if entity.state:
                states.append(entity.state)
        else:
            others.append(entity.name)
    return tuple(dict.fromkeys(states + people + others))


def written_subject(lang: LanguageRules, text: str, start: int, trigger_start: int) -> str | None:
    """A name opening the trigger's clause, with at most a few words before the trigger
    ("Somaliland recalled", "Republika Srpska will boycott"), that no table knows."""
    if lang.one_name is None:
        return None
    found = lang.one_name.match(text[start:trigger_start])
    if not found or len(found.group("rest").split()) > 4:
        return None
    name = found.group("name")
    words = name.split()
    if words[0] in lang.not_names:
        return None
    if len(words) == 1 and lang.not_name_pattern is not None and lang.not_name_pattern.search(name):
        return None
    return name


def written_name(
    lang: LanguageRules, masked: Masked, trigger_start: int, trigger_end: int
) -> str | None:
    """The name (two or more capitalised words) that the match ends in or runs into, read
    on the sentence as written (a demonym inside a name, "South American", stays).

    The trigger word itself is skipped: it may be capitalised at a sentence start."""
    first_space = masked.text.find(" ", trigger_start, trigger_end)
    if first_space < 0:
        return None
    if lang.name_run is None:
        return None
    src = masked.sentence.text.replace("\u2019", "'")
    lo, hi = masked.original_pos(first_space), masked.original_pos(trigger_end)
    for run in lang.name_run.finditer(src, lo, min(len(src), hi + 80)):
        if run.start() > hi:
            break
        if run.end() >= hi - 1:
            return run.group(0).rstrip(".'")
    return None


def written_phrase(
    lang: LanguageRules, masked: Masked, trigger_start: int, trigger_end: int
) -> str | None:
    """A generic treaty noun with its complement, starting inside the match, as written
    ("the agreement on visa-free travel", "соглашения о ПВО"): the language's
    `written_phrase` pattern (group `phrase`)."""
    if lang.written_phrase is None:
        return None
    src = masked.sentence.text.replace("\u2019", "'")
    lo, hi = masked.original_pos(trigger_start), masked.original_pos(trigger_end)
    found = lang.written_phrase.search(src, lo, min(len(src), hi + 80))
    if not found or found.start("phrase") > hi:
        return None
    return found.group("phrase")
