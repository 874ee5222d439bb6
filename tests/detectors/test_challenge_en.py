"""Gate for the blind English challenge set (tests/corpus/challenge_en.jsonl, 37 positives
and 28 hard regional negatives, written before the rules were read; see
tests/corpus/CHALLENGE_EN.md). Blind score before the round-4 rules: micro P 0.944 /
R 0.919, 1 of 28 negatives firing. The set was then used to tune, so this gate guards
the families it names against regressions; it is no longer a blind measurement."""

from __future__ import annotations

from newswatch.evaluate import evaluate, read_jsonl, render
from tests.detectors.conftest import REPO
from tests.detectors.test_corpus_gate import _assert_gate

CHALLENGE_EN = REPO / "tests" / "corpus" / "challenge_en.jsonl"


def test_gate_challenge_en() -> None:
    _assert_gate(CHALLENGE_EN)


def test_challenge_en_negatives_stay_silent() -> None:
    # The target: at most 2 % of hard regional negatives fire (0 of 28 here).
    report = evaluate(read_jsonl(CHALLENGE_EN))
    assert report.n_negatives == 28
    assert report.negatives_fired == 0, render(report)
