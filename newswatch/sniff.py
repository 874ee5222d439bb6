"""What a fetched body is, judged by its first bytes: HTML, or a known binary format.

Servers mislabel bodies both ways (a feed URL answering with the site's home page, an article
served as application/octet-stream, a PDF labelled text/html), so the stages that care — feeds,
extract and the CLI's `detect` — ask here, and all judge a body the same way. Pure functions of
bytes: no I/O, no parsing beyond the first few kilobytes.
"""

from __future__ import annotations

HEAD_BYTES = 4096  # an HTML page says so within its first few kilobytes
_BOM_AND_SPACE = b"\xef\xbb\xbf \t\r\n"
_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "gzip-compressed data"),
)


def looks_like_html(body: bytes) -> bool:
    """Whether the body is an HTML page: it opens with a doctype or <html>, or has a <head> or
    <body> near the start (after any byte-order mark and white space)."""
    head = body[:HEAD_BYTES].lstrip(_BOM_AND_SPACE).lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head or b"<head" in head


def sniff_binary(body: bytes) -> str | None:
    """What a non-HTML body is, judged by its first bytes (None: could be HTML)."""
    head = body[:16]
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if head.startswith(b"RIFF") and body[8:12] == b"WEBP":
        return "a WebP image"
    if b"\x00" in body[:1024] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16
        return "binary data"
    return None
