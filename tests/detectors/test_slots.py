"""Slot filling (detectors/slots.py) and the language-data keys it reads.

Each key of `_language.yaml` that slot filling uses is shown firing and not firing, in
invented sentences. The last test shows that a language's slot vocabulary is data: a rule
set whose file lacks a key fills fewer slots, with no Python change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from detectors import detect
from detectors.rules import load_rules
from tests.detectors.conftest import B, R, W, one, types_of

RULES = Path(__file__).resolve().parents[2] / "detectors" / "rules"


def test_speaker_after_a_quotation_is_the_actor() -> None:
    # speech_verbs: "…," Kallas said → the speaker stands in for the pronoun subject.
    d = one('"We will leave the CSTO," Pashinyan said on Monday.', W)
    assert d.actors == ("Armenia", "Nikol Pashinyan") and d.details["actor_from"] == "speaker"
    # No speech verb after the name: no speaker, and "we" alone names no state.
    assert W not in types_of('"We will leave the CSTO," Pashinyan smiled on Monday.')


def test_of_object_is_a_subject_only_as_a_last_resort() -> None:
    # weak_preposition: "the Prime Minister of Armenia" → Armenia is the actor.
    d = one("The Prime Minister of Armenia announced that the country will leave the CSTO.", W)
    assert d.actors[0] == "Armenia"
    # Any other preposition's object is never the subject: "the war in Ukraine".
    text = "Because of the war in Ukraine, officials announced plans to leave the CSTO."
    assert W not in types_of(text)


def test_name_links_keep_a_written_name_whole() -> None:
    # name_links: "of" joins "Union of Sahel Nations" into one name as written.
    d = one("Chad says it is leaving the Union of Sahel Nations this year.", W)
    assert d.target == "Union of Sahel Nations"


def test_subject_name_links_stop_at_a_weekday() -> None:
    # subject_name_links has no "on": "Somaliland on Monday" is not one name.
    d = one("Somaliland on Monday recalled its ambassador from Ethiopia.", R)
    assert d.actors == ("Somaliland",)


def test_time_tail_dates_the_clause_before_it() -> None:
    # time_tail: "after the 2008 war" dates the ties cut in a 2024 article.
    assert R not in types_of("Georgia cut diplomatic ties with Russia after the 2008 war.")
    assert R in types_of("Georgia cut diplomatic ties with Russia on Tuesday.")


def test_slot_vocabulary_is_language_data(tmp_path: Path) -> None:
    """Removing `speech_verbs` from the data file removes the speaker fallback: no code."""
    shutil.copytree(RULES, tmp_path / "rules")
    lang_file = tmp_path / "rules" / "en" / "_language.yaml"
    lines = lang_file.read_text(encoding="utf-8").splitlines()
    lang_file.write_text(
        "\n".join(x for x in lines if not x.startswith("speech_verbs:")) + "\n", encoding="utf-8"
    )
    rules = load_rules(tmp_path / "rules")
    text = '"We will leave the CSTO," Pashinyan said on Monday.'
    with_verbs = detect(text, lang="en")
    without = detect(text, lang="en", rules=rules)
    assert any(d.type == W and d.details.get("actor_from") == "speaker" for d in with_verbs)
    assert all(d.details.get("actor_from") != "speaker" for d in without)


def test_boycott_subject_list_is_whole() -> None:
    d = one("Mali, Niger and Burkina Faso will boycott the ECOWAS summit in Abuja.", B)
    assert d.actors == ("Mali", "Niger", "Burkina Faso")
