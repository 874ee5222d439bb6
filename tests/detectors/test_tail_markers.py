"""Link-list headers that close a Russian news page end the article (detectors/sentences.py,
_TAIL_WORDS): events in the headlines listed after them are not the article's."""

from __future__ import annotations

import datetime as dt

import pytest

from detectors import detect
from detectors.sentences import split_sentences, tail_start

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
