"""Link-list headers that close a Russian news page end the article (detectors/sentences.py,
_page.yaml's end_of_article): events in the headlines listed after them are not the article's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from detectors import RuleError, detect
from detectors.sentences import load_furniture, split_sentences, tail_start

BODY = "ЕРЕВАН, 3 марта. Правительство Армении утвердило программу развития туризма на 2025 год."


@pytest.mark.parametrize(
    "header",
    [
        "Новости партнеров",
        "Новости партнёров",
        "Самое читаемое",
        "Похожие материалы:",
        "Последние новости",
    ],
)
def test_link_list_header_ends_the_article(header: str) -> None:
    text = f"{BODY}\n\n{header}\nАзербайджан отозвал посла из Франции"
    assert tail_start(text) == text.index(header)
    assert [s.text for s in split_sentences(text)][-1].endswith("2025 год.")
    assert detect(text, lang="ru", published=dt.date(2025, 3, 3)) == []


def test_inline_box_header_does_not_end_the_article() -> None:
    # "По теме" also heads boxes inside an article: the text after it is still read.
    text = f"{BODY}\n\nПо теме\nАзербайджан отозвал посла из Франции, сообщил МИД."
    assert tail_start(text) == len(text)
    assert {d.type.value for d in detect(text, lang="ru", published=dt.date(2025, 3, 3))} == {
        "diplomatic_rupture"
    }


def test_a_furniture_line_is_left_out_and_the_article_goes_on() -> None:
    text = f"{BODY}\nRead more: the week in pictures\nВторое предложение статьи."
    assert [s.text for s in split_sentences(text)] == [
        "ЕРЕВАН, 3 марта.",
        "Правительство Армении утвердило программу развития туризма на 2025 год.",
        "Второе предложение статьи.",
    ]


def test_the_page_furniture_file_is_data_an_analyst_can_extend(tmp_path: Path) -> None:
    page = tmp_path / "_page.yaml"
    page.write_text(
        "furniture: ['more from the desk\\b.*']\n"
        "end_of_article: ['the end']\n"
        "abbreviations: [approx]\n",
        encoding="utf-8",
    )
    furniture = load_furniture(page)
    assert furniture.boilerplate_line.match("More from the  desk: ten stories")
    assert not furniture.boilerplate_line.match("Read more: the week in pictures")
    assert furniture.tail_marker.match("The End:")
    assert furniture.abbreviations == frozenset({"approx"})


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("furniture: []\nend_of_article: []\n", 1, "expected exactly the keys"),
        ("furniture: []\nend_of_article: []\nabbreviations: []\nextra: []\n", 1, "extra"),
        ("furniture: 'a'\nend_of_article: []\nabbreviations: []\n", 1, "furniture: expected"),
        ("furniture: ['(unclosed']\nend_of_article: []\nabbreviations: []\n", None, "regular"),
        ("furniture: [\n", 2, "invalid YAML"),
    ],
)
def test_a_malformed_furniture_file_names_the_file_and_line(
    tmp_path: Path, content: str, line: int | None, message: str
) -> None:
    page = tmp_path / "_page.yaml"
    page.write_text(content, encoding="utf-8")
    with pytest.raises(RuleError) as err:
        load_furniture(page)
    assert err.value.path == str(page) and err.value.line == line
    assert message in str(err.value)
