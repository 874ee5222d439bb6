"""The five seed articles (read from ../shared/seeds) give exactly LABELS.md's types,
actors and targets; plus paraphrased fixtures of the same facts kept in the repo."""

from __future__ import annotations

import pytest

from detectors import detect
from detectors.types import EventType, Modality
from tests.detectors.conftest import A, B, D, R, W

EXPECTED = {
    "000": set(),
    "001": {D},
    "002": {A, W, R},
    "003": {B},
    "004": {B},
}


def _seed(shared_dir, prefix: str) -> str:
    [path] = sorted((shared_dir / "seeds").glob(f"{prefix}_*.txt"))
    return path.read_text(encoding="utf-8")


@pytest.mark.needs_shared
@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_seed_types(shared_dir, prefix: str) -> None:
    assert {d.type for d in detect(_seed(shared_dir, prefix))} == EXPECTED[prefix]


@pytest.mark.needs_shared
def test_seed_001_declaration_refusal(shared_dir) -> None:
    [d] = detect(_seed(shared_dir, "001"))
    assert d.actors[:2] == ("Armenia", "Nikol Pashinyan")
    assert d.target == "CSTO declaration"


@pytest.mark.needs_shared
def test_seed_002_three_developments(shared_dir) -> None:
    text = _seed(shared_dir, "002")
    by_type = {d.type: d for d in detect(text)}
    arms = by_type[A]
    assert arms.actors[0] == "Belarus" and arms.target == "Azerbaijan"
    assert arms.modality == Modality.REPORTED
    assert by_type[W].actors[0] == "Armenia" and by_type[W].target == "CSTO"
    rupture = by_type[R]
    assert {"Armenia", "Belarus"} <= set(rupture.actors) | {rupture.target}
    for d in by_type.values():
        assert text[d.evidence_start : d.evidence_end] == d.evidence


@pytest.mark.needs_shared
@pytest.mark.parametrize("prefix", ["003", "004"])
def test_seed_boycott_minsk(shared_dir, prefix: str) -> None:
    [d] = detect(_seed(shared_dir, prefix))
    assert d.actors[:2] == ("Armenia", "Nikol Pashinyan")
    assert d.target == "CSTO summit, Minsk"
    assert d.reason and "fail" in d.reason


# Paraphrased fixtures: the seed facts in our own words, so the repo tests them even
# without ../shared.
PARAPHRASES = [
    (
        "Lukashenko told the virtual CSTO summit that Baku was no enemy of the bloc, and "
        "Yerevan called his words chaotic. His past remarks and arms sales to Baku have "
        "long irritated Armenian officials.",
        set(),
    ),
    (
        "At the Collective Security Council session, Armenian Prime Minister Nikol Pashinyan "
        "declined to sign the draft declaration on help for his country. Lukashenka mused "
        "that the CSTO would cease to exist if Russia lost.",
        {D},
    ),
    (
        "Pashinyan told parliament on Wednesday that Armenia plans to quit the CSTO. "
        "Politico reported on Wednesday that Belarus had sold Azerbaijan artillery and "
        "drones. On Thursday Yerevan recalled its ambassador from Minsk.",
        {W, A, R},
    ),
    (
        "Nikol Pashinyan said on Tuesday he will not attend the CSTO summit in Minsk next "
        "week. Officials said Armenia's absence was due to the bloc's failure to respond "
        "to Azerbaijani attacks. No official decision to exit the CSTO has been announced.",
        {B},
    ),
]


@pytest.mark.parametrize(("text", "expected"), PARAPHRASES)
def test_seed_paraphrases(text: str, expected: set[EventType]) -> None:
    import datetime as dt

    assert {d.type for d in detect(text, published=dt.date(2023, 11, 20))} == expected
