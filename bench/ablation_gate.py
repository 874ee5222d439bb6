"""Ablation: a learned second opinion on what the rules choose (issue 10, item 3). Not shipped.

    .venv/bin/python bench/ablation_gate.py --with POOL.jsonl [...] [--eval NAME=FILE.jsonl ...]

Trains, on the project's labelled corpora (`../shared/corpus/dev.jsonl`, the *tuned* part of
`../shared/corpus/real-dev/`, `tests/corpus/labelled.jsonl` and the challenge sets) plus the
`--with` pools of real news kept outside the repository, two logistic regressions:
- an article model per type: does the article report a new development of that type?
  (tf-idf of character 3-5-grams inside words and word uni-/bigrams of title + lead);
- an evidence model: was the rules' chosen candidate right? (where the evidence stands, how
  many sentences hold the type's stems, modality, confidence, quotes, earlier years, …).
A chosen detection is vetoed when the mean of the two is under a bar that keeps `--keep` of
the right choices in 5-fold cross-validation by development. Prints the cross-validation
figures, then precision / recall / hard negatives firing on each evaluation set (default: the
held-out part of real-dev, aggregate only) with the rules alone and with the veto.

Needs scikit-learn (the dev extra). The figures and the decision are in detectors/README.md.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from detectors import default_rules, detect_language, load_entities  # noqa: E402
from detectors.engine import Candidate, Reading, run  # noqa: E402
from newswatch.evaluate import Scores, parse_date, read_jsonl, select_part  # noqa: E402
from newswatch.models import EventType  # noqa: E402

SHARED = REPO.parent / "shared" / "corpus"
REAL_DEV = (SHARED / "real-dev" / "positives.jsonl", SHARED / "real-dev" / "negatives.jsonl")
PROJECT = (
    SHARED / "dev.jsonl",
    REPO / "tests" / "corpus" / "labelled.jsonl",
    REPO / "tests" / "corpus" / "challenge_en.jsonl",
    REPO / "tests" / "corpus" / "challenge_ru.jsonl",
)
TYPES = tuple(t.value for t in EventType)
HEAD = 600  # characters of text after the title: the lead, where news says what is new
_WORD = re.compile(r"(?u)\b\w\w+\b")
_QUOTE = re.compile(r"[\"“”«»]")
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")


def article_terms(doc: tuple[str, str]) -> list[str]:
    title, text = doc
    low = f"{title}\n{text[:HEAD]}".lower()
    out: list[str] = []
    for word in low.split():
        w = f" {word} "
        for n in range(3, 6):
            if len(w) <= n:
                out.append(w)
                break
            out.extend(w[i : i + n] for i in range(len(w) - n + 1))
    words = _WORD.findall(low)
    out.extend(f"w:{t}" for t in words)
    out.extend(f"w:{a} {b}" for a, b in pairwise(words))
    return out


def _bucket(n: int, edges: tuple[int, ...]) -> int:
    return next((i for i, e in enumerate(edges) if n <= e), len(edges))


def evidence_features(art: Reading, c: Candidate, n_chosen: int) -> dict[str, float]:
    t = c.type.value
    ti = next(i for i, tr in enumerate(art.rules.types) if tr.type == c.type)
    units = [s for s, types in art.units("text") if ti in types]
    lead = art.lead
    lead3 = {s.start for s in lead[:3]}
    pos = (
        next((i for i, s in enumerate(lead) if s.start == c.sentence.start), len(lead))
        if c.field == "text"
        else -1
    )
    years = [int(y) for y in _YEAR.findall(c.sentence.text)]
    return {
        f"type={t}": 1,
        f"lang={art.rules.lang}": 1,
        f"mod={c.modality.value}|{t}": 1,
        "conf": c.confidence,
        f"pos={_bucket(pos, (-1, 0, 1, 2, 4, 8))}": 1,
        f"units={_bucket(len(units), (0, 1, 2, 3))}": 1,
        "title_units": float(any(ti in types for _s, types in art.units("title"))),
        "lead_units": float(any(s.start in lead3 for s in units)),
        f"ntypes={min(n_chosen, 3)}": 1,
        "quote": float(bool(_QUOTE.search(c.sentence.text))),
        "old_year": float(any(y < art.ref_year for y in years)),
        f"len={_bucket(len(c.sentence.text), (60, 120, 200, 300))}": 1,
        f"textlen={_bucket(len(art.text), (500, 1000, 2000))}": 1,
        f"actors={min(len(c.actors), 2)}": 1,
        "target": float(c.target is not None),
    }


def rows_of(records: Sequence[dict[str, Any]]) -> list[tuple[int, str, dict[str, float], int]]:
    """(record index, type, evidence features, right?) for each candidate the rules choose."""
    out = []
    for i, rec in enumerate(records):
        text, title = rec.get("text") or "", rec.get("title") or ""
        lr = default_rules().for_lang(rec.get("lang") or detect_language(f"{title}\n{text}"))
        if lr is None:
            continue
        art = Reading(text, title, lr, load_entities(), parse_date(rec.get("date")), None)
        chosen = run(art)
        gold = set(rec.get("labels") or [])
        out += [
            (i, c.type.value, evidence_features(art, c, len(chosen)), int(c.type.value in gold))
            for c in chosen
        ]
    return out


class SecondOpinion:
    def __init__(self, records: Sequence[dict[str, Any]], rows: Sequence[tuple]) -> None:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        docs = [(r.get("title") or "", r.get("text") or "") for r in records]
        self.vec = TfidfVectorizer(analyzer=article_terms, sublinear_tf=True, min_df=3)
        x = self.vec.fit_transform(docs)
        self.heads = {
            t: LogisticRegression(C=3.0, class_weight="balanced", max_iter=5000).fit(
                x, [int(t in (r.get("labels") or [])) for r in records]
            )
            for t in TYPES
        }
        self.dv = DictVectorizer()
        self.ev = LogisticRegression(C=0.3, class_weight="balanced", max_iter=5000).fit(
            self.dv.fit_transform([r[2] for r in rows]), [r[3] for r in rows]
        )

    def scores(self, records: Sequence[dict[str, Any]], rows: Sequence[tuple]) -> list[float]:
        out = []
        for i, t, feats, _y in rows:
            doc = (records[i].get("title") or "", records[i].get("text") or "")
            article = self.heads[t].predict_proba(self.vec.transform([doc]))[0, 1]
            evidence = self.ev.predict_proba(self.dv.transform([feats]))[0, 1]
            out.append((article + evidence) / 2)
        return out


def figures(records: Sequence[dict[str, Any]], rows: Sequence[tuple], keep: Sequence[bool]) -> str:
    kept = [r for r, k in zip(rows, keep, strict=True) if k]
    tp = sum(r[3] for r in kept)
    gold = sum(len(r.get("labels") or []) for r in records)
    scores = Scores(tp=tp, fp=len(kept) - tp, fn=gold - tp)
    negatives = {i for i, r in enumerate(records) if not r.get("labels")}
    fired = {r[0] for r in kept} & negatives
    return (
        f"P {scores.precision:.3f}  R {scores.recall:.3f}  "
        f"hard negatives firing {len(fired)}/{len(negatives)}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    import numpy as np
    from sklearn.model_selection import GroupKFold

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--with", dest="pools", nargs="*", type=Path, default=[])
    parser.add_argument("--eval", nargs="*", default=[], help="NAME=FILE.jsonl")
    parser.add_argument("--keep", type=float, default=0.95)
    args = parser.parse_args(argv)
    real_dev = [r for p in REAL_DEV for r in read_jsonl(p)]
    train = select_part(real_dev, "tuned") + [
        r for p in (*PROJECT, *args.pools) for r in read_jsonl(p)
    ]
    rows = rows_of(train)
    groups = [str(r.get("development_id") or r.get("id")) for r in train]
    oof, ys = [], []
    for a, _held in GroupKFold(n_splits=5).split(train, groups=groups):
        fold = set(a)
        # Rows index the whole training list; each fold's model sees only its own articles.
        model = SecondOpinion([train[i] for i in a], [r for r in rows if r[0] in fold])
        held = [r for r in rows if r[0] not in fold]
        oof += model.scores(train, held)
        ys += [r[3] for r in held]
    right = np.array([s for s, y in zip(oof, ys, strict=True) if y])
    wrong = np.array([s for s, y in zip(oof, ys, strict=True) if not y])
    bar = float(np.quantile(right, 1 - args.keep))
    print(
        f"trained on {len(train)} articles, {len(rows)} chosen candidates ({len(wrong)} wrong); "
        f"cross-validation: bar {bar:.3f} keeps {(right >= bar).mean():.0%} of right choices, "
        f"vetoes {(wrong < bar).mean():.0%} of wrong ones"
    )
    model = SecondOpinion(train, rows)
    sets = [("real-dev held-out", select_part(real_dev, "heldout"))] + [
        (name, read_jsonl(path)) for name, path in (e.split("=", 1) for e in args.eval)
    ]
    for name, records in sets:
        ev_rows = rows_of(records)
        keep = [s >= bar for s in model.scores(records, ev_rows)]
        print(f"{name}: rules alone   {figures(records, ev_rows, [True] * len(ev_rows))}")
        print(f"{name}: with the veto {figures(records, ev_rows, keep)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
