"""Real published news (../shared/corpus/real-dev): the fixed held-out split and the levels
the detector reaches on each part, as regression gates.

Needs ../shared: the test fails, naming the missing path, rather than skipping, so a CI
without the corpus cannot look green. The corpus is read at run time, never copied.

The gates sit slightly below the scores measured when they were set (2026-12-01, third
round; tuned: micro P 0.974 R 0.949, 1 of 93 negatives firing; held-out: micro P 0.857
R 0.818, 5 of 35 negatives firing): they fail on a regression, not on noise. The held-out levels are far
below the issue's targets; they record where the detector stands, not where it should be. The held-out part is scored in
aggregate only; nothing here prints its records.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newswatch.evaluate import evaluate, part_of, read_jsonl, render_scores, select_part
from tests.detectors.conftest import SHARED, A, B, D, R, W

REAL_DEV = SHARED / "corpus" / "real-dev"


# (precision, recall) floors per type, micro floors, and the most hard negatives that may fire.
GATES = {
    "tuned": {
        "types": {
            B: (0.95, 0.90),
            W: (0.90, 0.95),
            A: (0.90, 0.95),
            R: (0.95, 0.95),
            D: (0.95, 0.70),
        },
        "micro": (0.96, 0.93),
        "max_negatives_fired": 1,
    },
    "heldout": {
        "types": {
            B: (0.85, 0.65),
            W: (0.55, 0.70),
            A: (0.80, 0.80),
            R: (0.95, 0.75),
            D: (0.95, 0.95),
        },
        "micro": (0.84, 0.80),
        "max_negatives_fired": 5,
    },
}


def _records() -> list[dict]:
    missing = [p for p in ("positives.jsonl", "negatives.jsonl") if not (REAL_DEV / p).exists()]
    if missing:
        pytest.fail(
            f"needs ../shared: {REAL_DEV} is missing {', '.join(missing)} "
            "(the real-news development corpus; check out the shared folder beside the repo)"
        )
    return read_jsonl(REAL_DEV / "positives.jsonl") + read_jsonl(REAL_DEV / "negatives.jsonl")


@pytest.mark.needs_shared
def test_needs_shared_real_dev_split_is_the_fixed_one() -> None:
    records = _records()
    held = select_part(records, "heldout")
    tuned = select_part(records, "tuned")
    assert len(held) + len(tuned) == len(records)
    positives = [r for r in held if r.get("labels")]
    assert len(positives) == 40
    assert len({r["development_id"] for r in positives}) == 24
    assert len(held) - len(positives) == 35
    # A development is never split between the parts.
    by_dev: dict[str, set[str]] = {}
    for r in records:
        by_dev.setdefault(r["development_id"], set()).add(part_of(r))
    assert all(len(parts) == 1 for parts in by_dev.values())


def test_part_of_is_a_pure_function_of_the_development() -> None:
    import hashlib

    for key in ("dev-a", "dev-b", "x", "Армения"):
        expected = int(hashlib.sha256(key.encode()).hexdigest(), 16) % 10 < 3
        assert (part_of({"development_id": key}) == "heldout") == expected
        assert part_of({"id": key}) == part_of({"development_id": key})


@pytest.mark.slow
@pytest.mark.parametrize("part", ["tuned", "heldout"])
@pytest.mark.needs_shared
def test_needs_shared_real_dev_gate(part: str) -> None:
    report = evaluate(select_part(_records(), part))
    table = render_scores(report)  # scores only: safe for the held-out part
    gate = GATES[part]
    for etype, (min_p, min_r) in gate["types"].items():
        s = report.per_type[etype]
        assert s.precision >= min_p, f"{part}: {etype.value} precision\n{table}"
        assert s.recall >= min_r, f"{part}: {etype.value} recall\n{table}"
    min_p, min_r = gate["micro"]
    assert report.micro.precision >= min_p, f"{part}: micro precision\n{table}"
    assert report.micro.recall >= min_r, f"{part}: micro recall\n{table}"
    assert report.negatives_fired <= gate["max_negatives_fired"], f"{part}\n{table}"


def test_select_part_rejects_an_unknown_part() -> None:
    with pytest.raises(ValueError, match="part must be one of"):
        select_part([], "everything")


def test_shared_path_is_beside_the_repo() -> None:
    # The gate reads ../shared relative to the checkout, as the README says.
    assert REAL_DEV.parent.parent == Path(__file__).resolve().parents[3] / "shared"
