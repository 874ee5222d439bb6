"""The parse stage on broken and hostile feeds: each either parses (maybe with a warning) or
raises FeedParseError naming the cause; nothing else escapes."""

from __future__ import annotations

import time

import pytest

from newswatch.feeds import MAX_URL_LENGTH, FeedParseError, canonical_url, parse_feed
from tests.fixtures.hostile_site import BILLION_LAUGHS, item, rss

URL = "http://feeds.example/world/rss.xml"
RSS_HEADERS = {"Content-Type": "application/rss+xml; charset=utf-8"}


def parse(content: bytes, headers=RSS_HEADERS):
    return parse_feed(content, source="Test", url=URL, headers=headers)


def test_billion_laughs_is_not_expanded_and_parses_quickly():
    started = time.perf_counter()
    feed = parse(BILLION_LAUGHS)
    assert time.perf_counter() - started < 1.0
    assert feed.warning and "not well-formed" in feed.warning
    assert all(len(i.title) < 100 and len(i.summary) < 100 for i in feed.items)
    assert "lollollol" not in feed.title


def test_external_entities_are_not_resolved():
    content = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>t&x;</title><item><title>a&x;</title>'
        b"<link>http://e.example/a</link></item></channel></rss>"
    )
    feed = parse(content)
    assert "root:" not in feed.title + "".join(i.title for i in feed.items)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty response body"),
        (b"   \n\t ", "empty response body"),
        (b"<!DOCTYPE html><html><body><p>Hi</p></body></html>", "HTML page, not a feed"),
        (b'{"items": []}', "not a feed"),
        (b"\x00\x01\x02garbage", "not a feed"),
    ],
)
def test_not_a_feed(content, message):
    with pytest.raises(FeedParseError, match=message):
        parse(content)


def test_html_page_names_the_feed_it_links_to():
    page = (
        b"<html><head><link rel='alternate' type='application/rss+xml' href='/feed.rss'></head>"
        b"<body>news</body></html>"
    )
    with pytest.raises(FeedParseError, match=r"names a feed at http://feeds\.example/feed\.rss"):
        parse(page, headers={"Content-Type": "text/html"})


def test_empty_feed_is_a_feed_with_no_items():
    feed = parse(rss(""))
    assert feed.items == () and feed.title == "Hostile feed"


def test_truncated_feed_keeps_what_parsed_and_warns():
    content = rss(item("One", "/a", "1") + item("Two", "/b", "2"))[:-40]
    feed = parse(content)
    assert [i.title for i in feed.items] == ["One", "Two"]
    assert feed.warning and "not well-formed" in feed.warning


def test_wrong_declared_encoding_is_read_and_flagged():
    content = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        "<item><title>Déjà vu in Zürich</title><link>/a</link></item></channel></rss>"
    ).encode("latin-1")
    feed = parse(content)
    assert feed.items[0].title == "Déjà vu in Zürich"
    assert feed.warning and "windows-1252" in feed.warning


def test_items_without_link_guid_or_date_get_a_stable_id():
    content = rss(item("Orphan", link=None, guid=None, date=False))
    first, second = parse(content).items[0], parse(content).items[0]
    assert first.url is None and first.published is None
    assert first.item_id.startswith("sha1:") and first.item_id == second.item_id


def test_duplicate_guids_keep_the_first():
    feed = parse(rss(item("First", "/a", "same") + item("Second", "/b", "same")))
    assert [i.title for i in feed.items] == ["First"]


def test_relative_links_are_resolved_against_the_feed_url():
    feed = parse(rss(item("Rel", "../pages/x.html?utm_source=rss&id=4#top", "r")))
    assert feed.items[0].url == "http://feeds.example/pages/x.html?id=4"


def test_non_http_links_are_dropped():
    feed = parse(
        rss(item("JS", "javascript:alert(1)", "js") + item("File", "file:///etc/passwd", "f"))
    )
    assert [i.url for i in feed.items] == [None, None]


def test_feedparser_crash_becomes_feed_parse_error(monkeypatch):
    import feedparser

    def explode(*args, **kwargs):
        raise IndexError("list index out of range")

    monkeypatch.setattr(feedparser, "parse", explode)
    with pytest.raises(FeedParseError, match="IndexError"):
        parse(rss(""))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://News.Example/a?utm_source=x&id=1#frag", "https://news.example/a?id=1"),
        ("http://e.example", "http://e.example/"),
        ("http://e.example/a b<c>", "http://e.example/a%20b%3Cc%3E"),
        ("http://e.example/ünï", "http://e.example/%C3%BCn%C3%AF"),
        ("http://e.example:99999/", None),
        ("javascript:alert(1)", None),
        ("mailto:a@b.example", None),
        ("http:///nohost", None),
        ("", None),
        ("http://e.example/" + "a" * MAX_URL_LENGTH, None),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected
