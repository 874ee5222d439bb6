"""newswatch detection stage: article text → `Detection`s of the five event types.

Public API (everything else is private to the package):
  detect(text, *, title="", lang=None, published=None, watchlist=None) -> list[Detection]
  detect_language(text) -> str
  load_rules(path=None) -> RuleSet;  default_rules();  RuleError
  load_entities(path=None) -> EntityTable;  canonical(name) -> str | None

The detector is rule-based: vocabularies and patterns live in detectors/rules/<lang>/*.yaml
and detectors/entities.yaml (see detectors/README.md). It never fetches, stores or alerts.
"""

from __future__ import annotations

import datetime as dt

from detectors.engine import Reading, run, to_detection
from detectors.entities import EntityTable, canonical, load_entities
from detectors.rules import RuleError, RuleSet, default_rules, load_rules
from detectors.types import Detection

__all__ = [
    "Detection",
    "EntityTable",
    "RuleError",
    "RuleSet",
    "canonical",
    "default_rules",
    "detect",
    "detect_language",
    "load_entities",
    "load_rules",
]


def detect_language(text: str) -> str:
    """The language code of `text` among those the rules cover (see detectors/language.py)."""
    # The language model (py3langid, numpy: ~0.13 s) is imported on first use, not with the
    # package: a run's main process imports detectors for its types and entity table only,
    # before anything else can start, and never identifies a language itself.
    from detectors.language import detect_language as identify

    return identify(text)


def detect(
    text: str,
    *,
    title: str = "",
    lang: str | None = None,
    published: dt.date | dt.datetime | None = None,
    watchlist: frozenset[str] | None = None,
    rules: RuleSet | None = None,
    entities: EntityTable | None = None,
    trace: list[str] | None = None,
) -> list[Detection]:
    """Detect new developments reported by one article: at most one Detection per type.

    `lang=None` detects the language; a language without rules yields no detections.
    `published` dates the article so that "in 2023" reads as background in a 2024 piece.
    `watchlist` (canonical names) keeps only detections whose actors or target include
    a watched entity. `trace`, when a list, receives one line per rule match explaining
    why it was kept or rejected (for analysts debugging rules).
    """
    text = text or ""
    title = title or ""
    if lang is None:
        lang = detect_language(f"{title}\n{text}")
    ruleset = rules or default_rules()
    lr = ruleset.for_lang(lang)
    if lr is None:
        return []
    if isinstance(published, dt.datetime):
        published = published.date()
    table = entities or load_entities()
    art = Reading(text, title, lr, table, published, trace)
    detections = [to_detection(c, lang) for c in run(art)]
    if watchlist is not None:
        detections = [d for d in detections if _watched(d, watchlist)]
    return detections


def _watched(d: Detection, watchlist: frozenset[str]) -> bool:
    names = set(d.actors)
    if d.details.get("target_entity"):
        names.add(d.details["target_entity"])
    if d.target:
        names.add(d.target)
    return bool(names & watchlist)
