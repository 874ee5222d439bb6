"""`newswatch evaluate` as an analyst runs it: --explain, --part, several files, bad input.

Records are invented here (no corpus text)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newswatch.cli import main
from newswatch.evaluate import part_of

MISSED = {
    "id": "t1",
    "development_id": "dev-question",
    "title": "Exit talk in Yerevan",
    "date": "2024-06-01",
    "lang": "en",
    "text": "Will Armenia leave the CSTO? The minister would not say on Monday.",
    "labels": ["withdrawal_statement"],
}
FALSE_ALARM = {
    "id": "t2",
    "development_id": "dev-fa",
    "title": "Envoy news",
    "date": "2024-06-01",
    "lang": "en",
    "text": "Lithuania expelled the Belarusian ambassador on Monday.",
    "labels": [],
}
NEAR = {
    "id": "t3",
    "development_id": "dev-near",
    "title": "Treaty review",
    "date": "2024-06-01",
    "lang": "en",
    "text": "Georgia walked away from the talks on Tuesday.",
    "labels": ["withdrawal_statement"],
}


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_explain_shows_candidates_and_why_each_rule_was_rejected(tmp_path, capsys) -> None:
    path = _write(tmp_path / "c.jsonl", [MISSED, FALSE_ALARM, NEAR])
    assert main(["evaluate", str(path), "--explain"]) == 0
    out = capsys.readouterr().out
    miss = out[out.index("MISSES") : out.index("FALSE ALARMS")]
    assert "- t1 [withdrawal_statement] Exit talk in Yerevan" in miss
    assert "candidate sentence: Will Armenia leave the CSTO?" in miss
    assert "rule en.withdrawal_statement.leave_org: REJECTED (veto question)" in miss
    # A sentence that lacks one word family is named with the words that were missing.
    assert "- t3 [withdrawal_statement]" in miss
    assert "near miss (prefilter: no word of [alliance" in miss
    # A sentence no pattern matched names the rules that came close and what they lacked.
    record = dict(NEAR, id="t4", text="Georgia withdrew from the talks on the union treaty text.")
    path2 = _write(tmp_path / "d.jsonl", [record])
    assert main(["evaluate", str(path2), "--explain"]) == 0
    out2 = capsys.readouterr().out
    assert "came close: en.withdrawal_statement." in out2
    assert "lacks {" in out2 or "the rest of the pattern does not fit" in out2
    alarms = out[out.index("FALSE ALARMS") :]
    assert "- t2 [diplomatic_rupture] Envoy news" in alarms
    assert "CHOSEN en.diplomatic_rupture.expel_envoy" in alarms
    assert "negatives firing: 1 / 1" in out


def test_without_explain_only_the_evidence_is_listed(tmp_path, capsys) -> None:
    path = _write(tmp_path / "c.jsonl", [MISSED, FALSE_ALARM])
    assert main(["evaluate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "candidate sentence" not in out
    assert "evidence (en.diplomatic_rupture.expel_envoy)" in out


def test_heldout_part_prints_scores_only(tmp_path, capsys) -> None:
    records = []
    for i in range(40):
        rec = dict(FALSE_ALARM, id=f"h{i}", development_id=f"dev-{i}", title=f"secret title {i}")
        records.append(rec)
    held = [r for r in records if part_of(r) == "heldout"]
    assert held, "the fixed split holds out some of 40 developments"
    path = _write(tmp_path / "c.jsonl", records)
    assert main(["evaluate", str(path), "--part", "heldout", "--explain"]) == 0
    out = capsys.readouterr().out
    assert f"{len(held)} articles" in out
    assert "secret title" not in out and "Lithuania" not in out
    assert "--explain is not available for the held-out part" in out


def test_several_files_are_one_corpus(tmp_path, capsys) -> None:
    a = _write(tmp_path / "a.jsonl", [MISSED])
    b = _write(tmp_path / "b.jsonl", [FALSE_ALARM])
    assert main(["evaluate", str(a), str(b)]) == 0
    assert "2 articles" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json\n", "c.jsonl:1: not JSON"),
        ('{"id": 1}\n[1, 2]\n', "c.jsonl:2: not a JSON object"),
    ],
)
def test_bad_corpus_line_is_named(tmp_path, capsys, content: str, message: str) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(content, encoding="utf-8")
    assert main(["evaluate", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_missing_file_is_named(tmp_path, capsys) -> None:
    assert main(["evaluate", str(tmp_path / "nope.jsonl")]) == 2
    assert "nope.jsonl" in capsys.readouterr().err
