"""Quality gates: per-type precision ≥ 0.95 and recall ≥ 0.90 on the project corpus and
on the shared development corpus; zero detections on 922 unrelated real web pages."""

from __future__ import annotations

import json
import tarfile
import time

import pytest

from detectors import detect
from detectors.types import EventType
from newswatch.evaluate import evaluate, read_jsonl, render
from tests.detectors.conftest import PROJECT_CORPUS

MIN_PRECISION, MIN_RECALL = 0.95, 0.90


def _assert_gate(path) -> None:
    report = evaluate(read_jsonl(path))
    for etype, s in report.per_type.items():
        assert s.precision >= MIN_PRECISION, f"{etype.value} precision\n{render(report)}"
        assert s.recall >= MIN_RECALL, f"{etype.value} recall\n{render(report)}"


def test_project_corpus_shape() -> None:
    records = read_jsonl(PROJECT_CORPUS)
    assert len(records) >= 100
    fields = {"id", "development_id", "date", "lang", "title", "text", "labels"}
    fields |= {"background_labels", "actors", "target"}
    for rec in records:
        assert fields <= set(rec), rec["id"]
    for lang, minimum in (("en", 8), ("ru", 4)):
        for t in EventType:
            n = sum(1 for r in records if r["lang"] == lang and t.value in r["labels"])
            assert n >= minimum, (lang, t.value, n)


def test_gate_project_corpus() -> None:
    _assert_gate(PROJECT_CORPUS)


@pytest.mark.needs_shared
def test_gate_shared_dev_corpus(shared_dir) -> None:
    _assert_gate(shared_dir / "corpus" / "dev.jsonl")


def _page_texts(archive) -> list[str]:
    try:
        import trafilatura
    except ImportError:  # pragma: no cover - trafilatura is a project dependency
        trafilatura = None
    from lxml import html as lxml_html

    texts = []
    with tarfile.open(archive) as tf:
        for member in tf:
            if not member.isfile():
                continue
            raw = tf.extractfile(member).read().decode("utf-8", "replace")  # type: ignore[union-attr]
            text = trafilatura.extract(raw, fast=True) if trafilatura else None
            if text is None:
                try:
                    text = lxml_html.fromstring(raw).text_content()
                except Exception:
                    text = ""
            texts.append(text or "")
    return texts


@pytest.mark.slow
@pytest.mark.needs_shared
def test_unrelated_web_pages_yield_nothing(shared_path) -> None:
    archive = shared_path("corpus/webpages.tar.gz")
    t0 = time.perf_counter()
    texts = _page_texts(archive)
    assert len(texts) == 922
    hits = [(i, d.type.value, d.evidence) for i, t in enumerate(texts) for d in detect(t)]
    assert hits == [], json.dumps(hits[:5], ensure_ascii=False)
    assert time.perf_counter() - t0 < 120
