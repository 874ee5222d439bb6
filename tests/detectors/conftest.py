"""Shared paths and helpers for the detector tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from detectors import detect
from detectors.types import EventType

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
PROJECT_CORPUS = REPO / "tests" / "corpus" / "labelled.jsonl"

# The event types as the rule tests name them.
BOYCOTT, WITHDRAW, ARMS, RUPTURE, DECL = (
    "summit_boycott",
    "withdrawal_statement",
    "arms_transfer",
    "diplomatic_rupture",
    "declaration_refusal",
)


def types_of(text: str, **kw) -> set[str]:
    """The event types detect() reports for `text`, as plain strings."""
    kw.setdefault("published", dt.date(2024, 6, 1))
    return {d.type.value for d in detect(text, **kw)}


# A silent case naming no type: nothing at all may fire on it.
NOTHING = None


def assert_fires(etype: str, text: str, lang: str) -> None:
    assert etype in types_of(text, lang=lang), text


def assert_silent(etype: str | None, text: str, lang: str) -> None:
    """`etype` does not fire on `text` (`NOTHING`: no type fires)."""
    found = types_of(text, lang=lang)
    if etype is NOTHING:
        assert found == set(), (text, found)
    else:
        assert etype not in found, (text, found)


def one(text: str, etype: EventType, **kw):
    """The single detection of `etype` in `text` (fails if absent)."""
    kw.setdefault("published", dt.date(2024, 6, 1))
    found = [d for d in detect(text, **kw) if d.type == etype]
    assert found, f"no {etype.value} in {text!r}"
    return found[0]


@pytest.fixture(scope="session")
def shared_dir(shared_path) -> Path:
    """../shared itself; a test using it is marked needs_shared (tests/conftest.py)."""
    return shared_path("")


# The five types by initial, for compact expectation tables.
B, W, A, R, D = (
    EventType.SUMMIT_BOYCOTT,
    EventType.WITHDRAWAL_STATEMENT,
    EventType.ARMS_TRANSFER,
    EventType.DIPLOMATIC_RUPTURE,
    EventType.DECLARATION_REFUSAL,
)
