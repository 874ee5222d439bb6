"""The extract stage: the page's main text, or the feed's own text with the reason flagged."""

from __future__ import annotations

import pytest

from newswatch.extract import extract_article
from newswatch.models import FeedItem
from tests.fixtures.hostile_site import ARTICLE_TEXT, article_html

ITEM = FeedItem(
    source="Test",
    item_id="1",
    url="http://news.example/a",
    title="Talks resume",
    summary="Feed summary: talks will resume next month.",
)


def test_a_real_page_is_read_from_the_page():
    article = extract_article(ITEM, article_html("Talks resume"))
    assert article.text_from == "page" and article.fallback_reason is None
    assert "transit routes" in article.text


@pytest.mark.parametrize(
    ("content_type", "body", "reason"),
    [
        ("application/pdf", b"%PDF-1.7 ...", "application/pdf, not HTML"),
        ("image/png", b"\x89PNG\r\n\x1a\n....", "image/png, not HTML"),
        ("text/html", b"%PDF-1.4 mislabelled", "a PDF document, not HTML"),
        ("", b"\xff\xd8\xff\xe0 jpeg", "a JPEG image, not HTML"),
        ("text/html", b"\x00\x01\x02\x03binary", "binary data"),
        ("text/html", b"   ", "article page is empty"),
        ("text/html", b"<html><body><nav>Home</nav></body></html>", "no article text"),
    ],
)
def test_non_html_and_empty_pages_fall_back_to_the_feed_text(content_type, body, reason):
    article = extract_article(ITEM, body, content_type=content_type)
    assert article.text_from == "feed"
    assert article.text == ITEM.summary
    assert reason in (article.fallback_reason or "")


def test_empty_page_and_empty_summary_is_still_flagged():
    bare = FeedItem(source="T", item_id="2", url="http://x.example/", title="", summary="")
    article = extract_article(bare, b"<html><body></body></html>")
    assert article.text_from == "feed" and article.fallback_reason


def test_html_mislabelled_as_octet_stream_is_read():
    article = extract_article(
        ITEM, article_html("Talks resume"), content_type="application/octet-stream"
    )
    assert article.text_from == "page" and ARTICLE_TEXT[:40] in article.text


def test_not_fetched_page_says_why():
    article = extract_article(ITEM, None, fetch_problem="article not fetched: timeout")
    assert (article.text_from, article.fallback_reason) == (
        "feed",
        "article not fetched: timeout",
    )


def test_extraction_crash_is_contained(monkeypatch):
    import trafilatura

    def explode(*args, **kwargs):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(trafilatura, "bare_extraction", explode)
    article = extract_article(ITEM, article_html("x"))
    assert article.text_from == "feed"
    assert article.fallback_reason == "extraction failed: RecursionError"


def test_hostile_markup_does_not_escape():
    for page in (
        b"<div>" * 20000 + b"deep" + b"</div>" * 20000,
        b"<html><body>" + b"<p>" + "\u202e\ufeff".encode() * 500 + b"</p></body></html>",
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaaaaaaaa'>]><html>&a;&a;</html>",
        "<html><body><p>".encode("utf-16") + b"x" * 100,
    ):
        article = extract_article(ITEM, page)
        assert article.text_from in ("page", "feed")
