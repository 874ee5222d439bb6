"""Entities (alias resolution, places vs actors), language detection, sentence splitting,
rule loading errors, watchlist filtering and the evaluation report."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from detectors import RuleError, canonical, detect, detect_language, load_rules
from detectors.entities import load_entities
from detectors.sentences import split_sentences
from detectors.types import EventType
from newswatch.evaluate import detections_to_json, evaluate, main, render

ALIASES = [
    ("Pashinyan", "Nikol Pashinyan"),
    ("Pashinian", "Nikol Pashinyan"),
    ("Пашинян", "Nikol Pashinyan"),
    ("Пашиняна", "Nikol Pashinyan"),
    ("Lukashenka", "Alexander Lukashenko"),
    ("Лукашенко", "Alexander Lukashenko"),
    ("Tokayev", "Kassym-Jomart Tokayev"),
    ("Japarov", "Sadyr Japarov"),
    ("Rahmon", "Emomali Rahmon"),
    ("Zelensky", "Volodymyr Zelenskyy"),
    ("Collective Security Treaty Organization", "CSTO"),
    ("ОДКБ", "CSTO"),
    ("СНГ", "CIS"),
    ("Eurasian Economic Union", "EAEU"),
    ("Yerevan", "Armenia"),
    ("Ереваном", "Armenia"),
    ("the Kremlin", "Russia"),
    ("Кремля", "Russia"),
    ("Baku", "Azerbaijan"),
    ("армянский", "Armenia"),
    ("U.S.", "United States"),
    ("Российской Федерации", "Russia"),
]


@pytest.mark.parametrize(("alias", "name"), ALIASES)
def test_alias_resolution(alias: str, name: str) -> None:
    assert canonical(alias) == name


def test_capital_as_place_is_not_actor() -> None:
    table = load_entities()
    [minsk_actor] = table.find("Minsk sent weapons")
    assert minsk_actor.entity.name == "Belarus" and not minsk_actor.is_place
    place = [m for m in table.find("the summit in Minsk") if m.entity.name == "Belarus"]
    assert place and place[0].is_place
    [ru_place] = table.find("саммит в Минске")
    assert ru_place.is_place


def test_summit_venue_is_not_the_actor() -> None:
    [d] = detect("Pashinyan will not attend the CSTO summit in Minsk.", lang="en")
    assert d.actors == ("Armenia", "Nikol Pashinyan")
    assert d.target == "CSTO summit, Minsk"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Armenia will leave the CSTO, the prime minister told parliament on Wednesday.", "en"),
        ("Армения выйдет из ОДКБ, заявил премьер-министр в парламенте в среду.", "ru"),
        ("Die Bundesregierung hat am Mittwoch ein neues Gesetz beschlossen.", "de"),
        ("ОДКБ", "ru"),
        ("CSTO", "en"),
        ("", "en"),
    ],
)
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_unsupported_language_yields_nothing() -> None:
    assert detect("Armenien tritt aus der OVKS aus, sagte der Regierungschef.") == []


def test_sentence_splitting_offsets_and_abbreviations() -> None:
    text = (
        "WASHINGTON — The U.S. said on Monday it would act. Gen. Smith agreed.\n\n"
        "«Мы выйдем», — сказал он. Т.е. решение принято.\n"
        "Read more: Something else entirely\n"
        '"We will leave." He said it twice.'
    )
    sents = split_sentences(text)
    assert [s.text for s in sents] == [
        "WASHINGTON — The U.S. said on Monday it would act.",
        "Gen. Smith agreed.",
        "«Мы выйдем», — сказал он.",
        "Т.е. решение принято.",
        '"We will leave."',
        "He said it twice.",
    ]
    for s in sents:
        assert text[s.start : s.end] == s.text


def test_boilerplate_tail_is_ignored() -> None:
    text = "Markets were calm on Monday.\n\nLeave a comment\n\nArmenia will leave the CSTO."
    assert detect(text, lang="en") == []


def test_title_only_evidence() -> None:
    [d] = detect("Officials gave no details.", title="Armenia recalls ambassador from Minsk")
    assert d.type == EventType.DIPLOMATIC_RUPTURE
    assert d.details["field"] == "title"
    assert "Armenia recalls ambassador from Minsk"[d.evidence_start : d.evidence_end] == d.evidence


def test_published_date_makes_old_years_background() -> None:
    text = "Russia suspended its participation in New START in February 2023."
    assert detect(text, lang="en", published=dt.date(2023, 2, 22))
    assert detect(text, lang="en", published=dt.date(2024, 2, 22)) == []


def test_watchlist_filters_by_entity() -> None:
    text = "Armenia recalled its ambassador from Belarus. Mali withdrew from the G5 Sahel."
    kw = {"lang": "en", "published": dt.date(2024, 6, 1)}
    assert {d.type for d in detect(text, watchlist=frozenset({"Armenia"}), **kw)} == {
        EventType.DIPLOMATIC_RUPTURE
    }
    assert detect(text, watchlist=frozenset({"Japan"}), **kw) == []


def test_rule_error_names_file_and_line(tmp_path: Path) -> None:
    lang = tmp_path / "xx"
    lang.mkdir()
    (lang / "_language.yaml").write_text("lang: xx\nclause_breaks: ','\n", encoding="utf-8")
    (lang / "withdrawal.yaml").write_text(
        "type: withdrawal_statement\nprefilter: [leave]\nrules:\n"
        "  - id: ok\n    pattern: 'leave {ORG}'\n"
        "  - id: broken\n    pattern: 'leave {NO_SUCH_MACRO}'\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleError) as err:
        load_rules(tmp_path)
    assert "withdrawal.yaml:6:" in str(err.value)
    (lang / "withdrawal.yaml").write_text("type: [unclosed\n", encoding="utf-8")
    with pytest.raises(RuleError, match=r"withdrawal\.yaml:"):
        load_rules(tmp_path)


def test_rules_are_extendable_as_data(tmp_path: Path) -> None:
    lang = tmp_path / "en"
    lang.mkdir()
    (lang / "_language.yaml").write_text("lang: en\nclause_breaks: ';'\n", encoding="utf-8")
    (lang / "w.yaml").write_text(
        "type: withdrawal_statement\nprefilter: [abscond]\nneed: [actor, target]\n"
        "rules:\n  - id: abscond\n    pattern: 'abscond\\w* from (?:the )?{ORG}'\n",
        encoding="utf-8",
    )
    rules = load_rules(tmp_path)
    [d] = detect("Armenia absconded from the CSTO.", lang="en", rules=rules)
    assert d.rule == "en.withdrawal_statement.abscond" and d.target == "CSTO"


def test_evaluate_report_and_cli(tmp_path: Path, capsys) -> None:
    records = [
        {"id": "a", "title": "t", "text": "Armenia recalled its ambassador from Minsk.",
         "labels": ["diplomatic_rupture"], "date": "2024-06-14"},
        {"id": "b", "title": "u", "text": "Fans will boycott the match.", "labels": []},
        {"id": "c", "title": "v", "text": "Nothing happened.", "labels": ["arms_transfer"]},
    ]  # fmt: skip
    report = evaluate(records)
    rup = report.per_type[EventType.DIPLOMATIC_RUPTURE]
    assert (rup.tp, rup.fp, rup.fn) == (1, 0, 0)
    assert report.per_type[EventType.ARMS_TRANSFER].fn == 1
    text = render(report)
    assert "MISSES (1)" in text and "- c [arms_transfer] v" in text
    path = tmp_path / "x.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    assert main([str(path)]) == 0
    assert "diplomatic_rupture" in capsys.readouterr().out


def test_detections_to_json_keys() -> None:
    [d] = detect("Armenia recalled its ambassador from Minsk.", lang="en")
    out = detections_to_json(d)
    assert {"type", "actors", "target", "evidence", "confidence"} <= set(out)
    assert {"modality", "rule", "evidence_start", "evidence_end", "reason"} <= set(out)
    assert out["type"] == "diplomatic_rupture" and out["target"] == "Belarus"


def test_places_are_found_only_on_request() -> None:
    """Venues that are not capitals mask as places in the detector, while callers that key
    on states, people and organisations (grouping) see the alias table as before."""
    from detectors.entities import load_entities

    table = load_entities()
    assert table.find("the forum in Almaty") == []
    (m,) = table.find("the forum in Almaty", places=True)
    assert (m.entity.kind, m.is_place, m.display) == ("place", True, "Almaty")
    (ru,) = table.find("саммит в Санкт-Петербурге", places=True)
    assert ru.display == "St Petersburg"


def test_first_char_guard_is_a_superset_and_keeps_matches() -> None:
    import re

    from detectors.rules import first_char_guard

    # Literal starts, both cases; zero-width items are transparent.
    assert first_char_guard(r"(?<!\w)(?:given|supplied)") == "(?=[GSgs])"
    assert first_char_guard(r"\bне (?:стал)") == "(?=[Нн])"
    # Anything that may start with any character, or match empty, gets no guard.
    for pattern in (r"\S+ given", r"(?:given)?", r".x", r"[^a]b"):
        assert first_char_guard(pattern) == "", pattern
    text = "Tanks were Given to Armenia; SUPPLIED rifles; nothing else. Не стал подписывать."
    for pattern in (r"(?:tanks|rifles) (?:\S+ )?(?:given|supplied)", r"\bне (?:стал)"):
        plain = re.compile(pattern, re.IGNORECASE)
        guarded = re.compile(first_char_guard(pattern) + pattern, re.IGNORECASE)
        assert [m.span() for m in plain.finditer(text)] == [
            m.span() for m in guarded.finditer(text)
        ]


def test_a_stem_hit_also_counts_for_the_whole_words_it_starts_with() -> None:
    # One hit is reported per position: the longer stem "not taking part" (withdrawals)
    # must also satisfy a group that lists the whole word "=not" (boycotts).
    from detectors.scan import build_scanner

    lr = load_rules().for_lang("en")
    assert lr is not None
    scanner = build_scanner(lr, load_entities())
    types = [t.type for t in lr.types]
    boycott = types.index(EventType.SUMMIT_BOYCOTT)
    hits = scanner.hits("Georgia is not taking part in the CIS summit.")
    seen = frozenset().union(*(ids for _pos, ids in hits))
    assert scanner.required[boycott] <= seen
    assert "summit_boycott" in {
        d.type.value for d in detect("Georgia is not taking part in the CIS summit.", lang="en")
    }
    assert detect("Georgia is taking part in the CIS summit.", lang="en") == []
