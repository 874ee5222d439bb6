"""Gate on the blind Russian challenge set (tests/corpus/challenge_ru.jsonl, 31 positives and
28 hard negatives, written before the rules were read; see tests/corpus/CHALLENGE_RU.md).
Blind score on main before this round's changes: micro P 0.933 / R 0.903, 2 of 28 negatives
firing. The set was then used to find phrasing families, so this is a regression gate, not
a held-out measure."""

from __future__ import annotations

from newswatch.evaluate import evaluate, read_jsonl
from tests.detectors.conftest import REPO
from tests.detectors.test_corpus_gate import _assert_gate

CHALLENGE_RU = REPO / "tests" / "corpus" / "challenge_ru.jsonl"


def test_gate_challenge_ru() -> None:
    _assert_gate(CHALLENGE_RU)


def test_challenge_ru_negatives_stay_silent() -> None:
    records = read_jsonl(CHALLENGE_RU)
    negatives = [r for r in records if not r["labels"]]
    assert len(negatives) >= 25
    report = evaluate(negatives)
    fired = sum(s.fp for s in report.per_type.values())
    assert fired == 0, fired
