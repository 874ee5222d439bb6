"""The detection types: what the detector reports about one article.

Owns `EventType`, `Modality` (and its rank) and `Detection`, the detector's output. The
detectors package defines them so that it stands alone: it never imports newswatch, and
newswatch re-exports these types from `newswatch.models`, the hall of stage values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class EventType(StrEnum):
    """The five kinds of development newswatch recognises (see shared/seeds/LABELS.md)."""

    SUMMIT_BOYCOTT = "summit_boycott"
    WITHDRAWAL_STATEMENT = "withdrawal_statement"
    ARMS_TRANSFER = "arms_transfer"
    DIPLOMATIC_RUPTURE = "diplomatic_rupture"
    DECLARATION_REFUSAL = "declaration_refusal"


class Modality(StrEnum):
    """How far along the development is, as the article reports it."""

    ANNOUNCED = "announced"
    THREATENED = "threatened"
    CONSIDERING = "considering"
    CARRIED_OUT = "carried_out"
    REPORTED = "reported"


# Higher rank = further along; a development whose modality rises "escalates".
MODALITY_RANK: dict[Modality, int] = {
    Modality.CONSIDERING: 0,
    Modality.THREATENED: 1,
    Modality.REPORTED: 2,
    Modality.ANNOUNCED: 2,
    Modality.CARRIED_OUT: 3,
}


@dataclass(frozen=True, slots=True)
class Detection:
    """One development of one event type that an article reports as new."""

    type: EventType
    modality: Modality
    actors: tuple[str, ...]  # canonical names, principal actor first
    target: str | None  # canonical organisation / state / document / summit
    evidence: str  # the sentence(s) that prove it, verbatim from the text
    evidence_start: int  # character offsets of `evidence` in the text given to the detector
    evidence_end: int
    rule: str  # id of the rule that fired, e.g. "en.withdrawal.leave_org"
    confidence: float  # 0..1
    reason: str | None = None  # the stated reason (e.g. why a leader stays away), when found
    lang: str = "en"
    details: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
