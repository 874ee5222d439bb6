"""Scoring the detector against a labelled corpus (JSON lines).

Owns: reading labelled records (`id`, `title`, `text`, `labels`, optional `lang`, `date`),
running `detectors.detect` on each, per-type precision/recall/F1 plus micro averages, and
a plain-text report listing every miss and false alarm with its evidence. Also the JSON
form of a Detection used by `newswatch detect --corpus`. Never changes the detector.

Usage: python -m newswatch.evaluate FILE.jsonl [FILE2.jsonl …]
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detectors import detect
from newswatch.models import Detection, EventType


def detections_to_json(det: Detection) -> dict[str, Any]:
    """A Detection as a JSON-ready dict (for `newswatch detect --corpus`)."""
    return {
        "type": det.type.value,
        "actors": list(det.actors),
        "target": det.target,
        "evidence": det.evidence,
        "confidence": det.confidence,
        "modality": det.modality.value,
        "rule": det.rule,
        "evidence_start": det.evidence_start,
        "evidence_end": det.evidence_end,
        "reason": det.reason,
    }


@dataclass(frozen=True, slots=True)
class Scores:
    """Counts and rates for one event type (or the micro average)."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True, slots=True)
class Error:
    """One miss (label not detected) or false alarm (detected, not labelled)."""

    kind: str  # "miss" | "false_alarm"
    id: str
    title: str
    type: EventType
    evidence: str | None = None
    rule: str | None = None


@dataclass(slots=True)
class Report:
    """Evaluation result: per-type scores, micro average, and every error."""

    per_type: dict[EventType, Scores]
    micro: Scores
    errors: list[Error] = field(default_factory=list)
    n_records: int = 0


def _parse_date(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def evaluate(records: Iterable[dict[str, Any]]) -> Report:
    """Run the detector over labelled records and score it per event type."""
    counts = {t: [0, 0, 0] for t in EventType}
    errors: list[Error] = []
    n = 0
    for rec in records:
        n += 1
        gold = {EventType(x) for x in rec.get("labels") or []}
        dets = detect(
            rec.get("text") or "",
            title=rec.get("title") or "",
            lang=rec.get("lang"),
            published=_parse_date(rec.get("date")),
        )
        found = {d.type: d for d in dets}
        for t in EventType:
            if t in gold and t in found:
                counts[t][0] += 1
            elif t in found:
                counts[t][1] += 1
                d = found[t]
                errors.append(
                    Error(
                        "false_alarm",
                        str(rec.get("id")),
                        rec.get("title", ""),
                        t,
                        d.evidence,
                        d.rule,
                    )
                )
            elif t in gold:
                counts[t][2] += 1
                errors.append(Error("miss", str(rec.get("id")), rec.get("title", ""), t))
    per_type = {t: Scores(*c) for t, c in counts.items()}
    micro = Scores(*(sum(c[i] for c in counts.values()) for i in range(3)))
    return Report(per_type, micro, errors, n)


def render(report: Report) -> str:
    """Plain-text table of scores followed by every miss and false alarm."""
    lines = [
        f"{report.n_records} articles",
        f"{'type':24} {'P':>6} {'R':>6} {'F1':>6} {'TP':>4} {'FP':>4} {'FN':>4}",
    ]
    rows = [(t.value, s) for t, s in report.per_type.items()] + [("micro", report.micro)]
    for name, s in rows:
        lines.append(
            f"{name:24} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.tp:4d} {s.fp:4d} {s.fn:4d}"
        )
    for kind, label in (("miss", "MISSES"), ("false_alarm", "FALSE ALARMS")):
        errs = [e for e in report.errors if e.kind == kind]
        lines.append(f"\n{label} ({len(errs)})")
        for e in errs:
            lines.append(f"- {e.id} [{e.type.value}] {e.title}")
            if e.evidence:
                lines.append(f"    evidence ({e.rule}): {e.evidence}")
    return "\n".join(lines)


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Records of a JSON-lines file (blank lines ignored)."""
    with Path(path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: print the evaluation report of each file; exit code 0."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m newswatch.evaluate FILE.jsonl [FILE.jsonl …]", file=sys.stderr)
        return 2
    for path in args:
        print(f"== {path}")
        print(render(evaluate(read_jsonl(path))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
