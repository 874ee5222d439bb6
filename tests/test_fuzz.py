"""Property tests: whatever bytes a feed, a page or a sources file holds, no exception escapes
a stage except that stage's named error (FeedParseError, ConfigError)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newswatch.config import ConfigError, parse_sources
from newswatch.extract import extract_article
from newswatch.feeds import FeedParseError, canonical_url, parse_feed
from newswatch.models import Article, FeedItem

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Fragments that steer random bytes towards the interesting corners of the parsers.
FEED_PARTS = [
    b'<?xml version="1.0" encoding="utf-8"?>',
    b'<?xml version="1.0" encoding="koi8-r"?>',
    b'<rss version="2.0">',
    b"</rss>",
    b"<channel>",
    b"</channel>",
    b"<item>",
    b"</item>",
    b'<feed xmlns="http://www.w3.org/2005/Atom">',
    b"</feed>",
    b"<entry>",
    b"</entry>",
    b"<title>",
    b"</title>",
    b"<link>",
    b"</link>",
    b'<link href="',
    b'"/>',
    b"<guid>",
    b"</guid>",
    b"<pubDate>",
    b"</pubDate>",
    b"<description>",
    b"</description>",
    b"<![CDATA[",
    b"]]>",
    b"&amp;",
    b"&lol;",
    b"&#0;",
    b"&#xD800;",
    b"<!DOCTYPE x [<!ENTITY lol 'a'>]>",
    b"javascript:",
    b"http://",
    b"../",
    b"//evil.example/",
    b"Mon, 99 Foo 2024 99:99:99 ZZZ",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\x00",
    b"<",
    b">",
    b"<html>",
    b"<body>",
]
feed_bytes = st.one_of(
    st.binary(max_size=600),
    st.lists(st.one_of(st.sampled_from(FEED_PARTS), st.binary(max_size=20)), max_size=40).map(
        b"".join
    ),
)

HTML_PARTS = [
    "<!DOCTYPE html>",
    "<html>",
    "</html>",
    "<head>",
    "<meta charset='utf-16'>",
    "<body>",
    "</body>",
    "<article>",
    "</article>",
    "<p>",
    "</p>",
    "<div>",
    "</div>",
    "<script>",
    "</script>",
    "<table><tr><td>",
    "<!--",
    "-->",
    "<title>",
    "</title>",
    "&nbsp;",
    "&#x0;",
    "<br/>",
    "<img src=x onerror=1>",
    "\u202e",
    "\x00",
    "Lorem ipsum dolor sit amet. ",
]
html_bytes = st.one_of(
    st.binary(max_size=400),
    st.lists(st.one_of(st.sampled_from(HTML_PARTS), st.text(max_size=30)), max_size=60).map(
        lambda parts: "".join(parts).encode("utf-8", "surrogatepass")
    ),
)

YAML_PARTS = [
    "sources:\n",
    "  - name: a\n",
    "    url: https://a.example/\n",
    "    url: ftp://x\n",
    "    interval: 10m\n",
    "    interval: .inf\n",
    "    interval: -5\n",
    "    headers: {a: b}\n",
    "    allow_hosts: [localhost]\n",
    "alerts:\n",
    "  channels: ['#a']\n",
    "  channel: '#b'\n",
    "  routes:\n",
    "    - channel: '#a'\n",
    "      event_types: [coup]\n",
    "schedule:\n",
    "  interval: 0\n",
    "&a ",
    "*a ",
    "!!python/object:os.system ",
    "!!binary ",
    "? ",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "'",
    '"',
    "\t",
    "\n",
    "%YAML 1.1\n",
    "---\n",
    "...\n",
]
yaml_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(YAML_PARTS), st.text(max_size=10)), max_size=40).map(
        "".join
    ),
)


@FUZZ
@given(feed_bytes, st.sampled_from([None, "text/html", "application/rss+xml", "image/png"]))
def test_parse_feed_raises_only_feed_parse_error(content, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    try:
        feed = parse_feed(content, source="fuzz", url="http://f.example/rss", headers=headers)
    except FeedParseError:
        return
    for item in feed.items:
        assert item.item_id and len(item.item_id) <= 500
        assert item.url is None or item.url.startswith(("http://", "https://"))
        assert item.url is None or canonical_url(item.url) == item.url  # stable


ITEM = FeedItem(source="fuzz", item_id="1", url="http://p.example/a", title="T", summary="S")


@FUZZ
@given(html_bytes, st.sampled_from(["text/html", "", "application/octet-stream", "image/gif"]))
def test_extract_article_never_raises(page, content_type):
    article = extract_article(ITEM, page, content_type=content_type)
    assert isinstance(article, Article)
    assert article.text_from in ("page", "feed")
    if article.text_from == "feed":
        assert article.fallback_reason and article.text == "S"
    else:
        assert article.text.strip()


@FUZZ
@given(yaml_text)
def test_parse_sources_raises_only_config_error(text):
    try:
        config = parse_sources(text, filename="fuzz.yaml")
    except ConfigError as error:
        assert error.problems
        assert all(str(p).startswith("fuzz.yaml") for p in error.problems)
        return
    assert config.sources


@FUZZ
@given(st.text(max_size=200), st.sampled_from([None, "http://base.example/dir/feed.xml"]))
def test_canonical_url_is_http_or_none(url, base):
    result = canonical_url(url, base)
    assert result is None or (result.startswith(("http://", "https://")) and " " not in result)
