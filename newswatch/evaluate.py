"""Scoring the detector against a labelled corpus (JSON lines).

Owns: reading labelled records (`id`, `title`, `text`, `labels`, optional `lang`, `date`),
running `detectors.detect` on each, per-type precision/recall/F1 plus micro averages, and
a plain-text report listing every miss and false alarm with its evidence. Also the JSON
form of a Detection used by `newswatch detect --corpus`. Never changes the detector.

The fixed held-out split of the real-news development corpus lives here too (`part_of`):
a record is *held out* iff sha256(development_id) mod 10 < 3, decided before anyone looked
at the records. A held-out evaluation prints only aggregate scores, never a record's text,
title or evidence, so tuning cannot peek at it.

Usage: python -m newswatch.evaluate FILE.jsonl [FILE2.jsonl …] [--part tuned|heldout]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detectors import detect
from newswatch.models import Detection, EventType

PARTS = ("all", "tuned", "heldout")


def part_of(record: dict[str, Any]) -> str:
    """ "heldout" or "tuned": the fixed split of a record by its development (see module doc).

    A record without `development_id` falls back to its `id`, so unrelated corpora still
    split deterministically."""
    key = str(record.get("development_id") or record.get("id") or "")
    return "heldout" if int(hashlib.sha256(key.encode()).hexdigest(), 16) % 10 < 3 else "tuned"


def select_part(records: Iterable[dict[str, Any]], part: str) -> list[dict[str, Any]]:
    """The records of one part of the split ("all" keeps every record)."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {', '.join(PARTS)}, not {part!r}")
    return [r for r in records if part == "all" or part_of(r) == part]


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
    explanation: tuple[str, ...] = ()  # with --explain: the near misses, one per line


@dataclass(slots=True)
class Report:
    """Evaluation result: per-type scores, micro average, and every error."""

    per_type: dict[EventType, Scores]
    micro: Scores
    errors: list[Error] = field(default_factory=list)
    n_records: int = 0
    # Hard negatives: records without labels, and how many of them produced any detection.
    n_negatives: int = 0
    negatives_fired: int = 0
    # Micro scores over the records not marked `ambiguous` (judgement calls set apart).
    clear_micro: Scores | None = None


def parse_date(value: Any) -> dt.date | None:
    """An ISO date (or datetime) string's date; None when missing or unreadable."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def evaluate(records: Iterable[dict[str, Any]], explain: bool = False) -> Report:
    """Run the detector over labelled records and score it per event type.

    `explain=True` attaches to each miss and false alarm the detector's account of the
    rules that came close (see `explain_lines`)."""
    counts = {t: [0, 0, 0] for t in EventType}
    clear = [0, 0, 0]
    errors: list[Error] = []
    n = n_neg = n_neg_fired = 0
    for rec in records:
        n += 1
        gold = {EventType(x) for x in rec.get("labels") or []}
        trace: list[str] | None = [] if explain else None
        dets = detect(
            rec.get("text") or "",
            title=rec.get("title") or "",
            lang=rec.get("lang"),
            published=parse_date(rec.get("date")),
            trace=trace,
        )
        found = {d.type: d for d in dets}
        if not gold:
            n_neg += 1
            n_neg_fired += bool(found)
        ambiguous = bool(rec.get("ambiguous"))
        for t in EventType:
            k = None
            if t in gold and t in found:
                k = 0
            elif t in found:
                k = 1
                d = found[t]
                errors.append(
                    Error(
                        "false_alarm",
                        str(rec.get("id")),
                        rec.get("title") or "",
                        t,
                        d.evidence,
                        d.rule,
                        _explained(trace, t),
                    )
                )
            elif t in gold:
                k = 2
                errors.append(
                    Error(
                        "miss",
                        str(rec.get("id")),
                        rec.get("title") or "",
                        t,
                        explanation=_explained(trace, t),
                    )
                )
            if k is not None:
                counts[t][k] += 1
                if not ambiguous:
                    clear[k] += 1
    per_type = {t: Scores(*c) for t, c in counts.items()}
    micro = Scores(*(sum(c[i] for c in counts.values()) for i in range(3)))
    return Report(per_type, micro, errors, n, n_neg, n_neg_fired, Scores(*clear))


def _explained(trace: list[str] | None, etype: EventType) -> tuple[str, ...]:
    if trace is None:
        return ()
    return tuple(explain_lines(trace, etype))


def explain_lines(trace: list[str], etype: EventType) -> list[str]:
    """The detector's trace lines about one event type (each line starts with the type)."""
    prefix = etype.value + " "
    return [line[len(prefix) :] for line in trace if line.startswith(prefix)]


def render_scores(report: Report) -> str:
    """The score table alone: per type, micro, hard negatives fired, non-ambiguous micro."""
    lines = [
        f"{report.n_records} articles",
        f"{'type':24} {'P':>6} {'R':>6} {'F1':>6} {'TP':>4} {'FP':>4} {'FN':>4}",
    ]
    rows = [(t.value, s) for t, s in report.per_type.items()] + [("micro", report.micro)]
    if report.clear_micro is not None:
        rows.append(("micro (not ambiguous)", report.clear_micro))
    for name, s in rows:
        lines.append(
            f"{name:24} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} {s.tp:4d} {s.fp:4d} {s.fn:4d}"
        )
    if report.n_negatives:
        rate = report.negatives_fired / report.n_negatives
        lines.append(
            f"negatives firing: {report.negatives_fired} / {report.n_negatives} ({rate:.1%})"
        )
    return "\n".join(lines)


def render(report: Report) -> str:
    """Plain-text table of scores followed by every miss and false alarm."""
    lines = [render_scores(report)]
    for kind, label in (("miss", "MISSES"), ("false_alarm", "FALSE ALARMS")):
        errs = [e for e in report.errors if e.kind == kind]
        lines.append(f"\n{label} ({len(errs)})")
        for e in errs:
            lines.append(f"- {e.id} [{e.type.value}] {e.title}")
            if e.evidence:
                lines.append(f"    evidence ({e.rule}): {e.evidence}")
            for note in e.explanation:
                lines.append(f"    · {note}")
    return "\n".join(lines)


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Records of a JSON-lines file (blank lines ignored)."""
    out = []
    with Path(path).open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON: {exc.msg}") from None
            if not isinstance(record, dict):
                raise ValueError(f"{path}:{number}: not a JSON object")
            out.append(record)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: print the evaluation report of each file; exit code 0 (2 on bad usage)."""
    parser = argparse.ArgumentParser(prog="newswatch evaluate")
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument(
        "--part",
        choices=PARTS,
        default="all",
        help="score only the tuned or the held-out part of the fixed split (held-out: "
        "aggregate scores only)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="for each miss and false alarm, the candidate sentences and the rules that "
        "came close, with why each was rejected",
    )
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    return run_cli(args.paths, part=args.part, explain=args.explain)


def run_cli(paths: Sequence[Path], *, part: str = "all", explain: bool = False) -> int:
    """Print the report of `paths` (several files are scored as one corpus)."""
    records: list[dict[str, Any]] = []
    for path in paths:
        try:
            records += read_jsonl(path)
        except OSError as exc:
            print(f"newswatch evaluate: {path}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        except ValueError as exc:
            print(f"newswatch evaluate: {exc}", file=sys.stderr)
            return 2
    records = select_part(records, part)
    heldout = part == "heldout"
    # The held-out part is never shown record by record: no titles, evidence or traces.
    report = evaluate(records, explain=explain and not heldout)
    print(f"== {', '.join(str(p) for p in paths)} (part: {part})")
    print(render_scores(report) if heldout else render(report))
    if heldout and explain:
        print("(--explain is not available for the held-out part)")
    return 0
