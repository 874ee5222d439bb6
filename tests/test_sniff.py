"""What a fetched body is: one HTML sniffer for feeds, extract and the CLI (newswatch/sniff.py)."""

from __future__ import annotations

import pytest

from newswatch.sniff import looks_like_html, sniff_binary


def test_sniff_binary():
    assert sniff_binary(b"%PDF-1.5") == "a PDF document"
    assert sniff_binary(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "a WebP image"
    assert sniff_binary(b"<!doctype html><p>x</p>") is None
    assert sniff_binary("<html>".encode("utf-16")) is None  # UTF-16 has NULs but a BOM


@pytest.mark.parametrize(
    "body",
    [
        b"<!DOCTYPE html><html><body><p>x</p></body></html>",
        b"\xef\xbb\xbf\n  <html lang='en'>",  # a byte-order mark and white space first
        b"<?xml version='1.0'?><!-- a comment --><head><title>t</title></head>",
        b"<div>junk</div><body>a page without a doctype</body>",
    ],
)
def test_html_is_recognised_however_it_opens(body: bytes) -> None:
    assert looks_like_html(body)


@pytest.mark.parametrize(
    "body",
    [
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>",
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>',
        b"%PDF-1.7",
        b"plain text that mentions <html> later" + b" " * 10 + b"and again",
        b" " * 5000 + b"<body>",  # too far in to be a page's start
    ],
)
def test_feeds_binaries_and_text_are_not_html(body: bytes) -> None:
    assert not looks_like_html(body)


def test_feeds_extract_and_cli_share_the_sniffer() -> None:
    import inspect

    import newswatch.cli
    import newswatch.extract
    import newswatch.feeds

    for module in (newswatch.feeds, newswatch.extract, newswatch.cli):
        assert "looks_like_html(" in inspect.getsource(module), module.__name__
        assert "<!doctype html" not in inspect.getsource(module), module.__name__
