"""Conditions of scope `context` read the article's title, its lead and the sentence before
the match's sentence (detectors/engine.py, Reading.context_text). Rules here are written
to a temporary directory, so the test depends on no language's rule data."""

from __future__ import annotations

from pathlib import Path

from detectors import detect, load_rules

_TYPE = (
    "type: summit_boycott\nprefilter: [stay]\nneed: [actor]\nactor_kinds: [ACTOR]\n"
    "rules:\n  - id: stay_home\n    pattern: 'stays? home'\n"
    "    requires:\n      - scope: context\n        pattern: '\\bsummit\\b|{NAMEDORG}'\n"
)


def _rules(tmp_path: Path):
    lang = tmp_path / "en"
    lang.mkdir()
    (lang / "_language.yaml").write_text("lang: en\nclause_breaks: ';'\n", encoding="utf-8")
    (lang / "b.yaml").write_text(_TYPE, encoding="utf-8")
    return load_rules(tmp_path)


def test_context_condition_reads_the_title(tmp_path: Path) -> None:
    rules = _rules(tmp_path)
    text = "Armenia stays home, officials said."
    assert detect(text, title="CSTO leaders meet in Minsk", lang="en", rules=rules)
    assert not detect(text, title="Weather in Minsk", lang="en", rules=rules)


def test_context_condition_reads_the_sentence_before(tmp_path: Path) -> None:
    rules = _rules(tmp_path)
    filler = " ".join(f"Line {i} of the report is here." for i in range(12))
    before = "The summit opens on Thursday. Armenia stays home, officials said."
    unrelated = "The weather is fine on Thursday. Armenia stays home, officials said."
    # Past the lead (eight sentences), only the sentence before can supply the meeting.
    assert detect(filler + " " + before, lang="en", rules=rules)
    assert not detect(filler + " " + unrelated, lang="en", rules=rules)
