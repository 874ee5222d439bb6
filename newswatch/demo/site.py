"""The bundled sample world (sample.yaml) served as RSS/Atom feeds and HTML article pages on
127.0.0.1: what `make demo` polls, and what the end-to-end tests poll too.

Feeds answer conditional GETs (ETag) like a well-behaved news site, so a second poll costs a 304.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from functools import cache
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import yaml

SAMPLE = Path(__file__).with_name("sample.yaml")


@dataclass(frozen=True)
class SampleWorld:
    feeds: tuple[dict[str, Any], ...]
    articles: tuple[dict[str, Any], ...]

    def expected_developments(self) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """(development, event type) -> its articles, oldest first: what alerting must yield."""
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for article in sorted(self.articles, key=lambda a: a["published"]):
            for event_type in article["expect"]:
                key = (article.get("development", article["slug"]), event_type)
                groups.setdefault(key, []).append(article)
        return groups

    def feed_articles(self, slug: str) -> list[dict[str, Any]]:
        return sorted(
            (a for a in self.articles if a["feed"] == slug),
            key=lambda a: a["published"],
            reverse=True,
        )


@cache
def load_sample(path: Path = SAMPLE) -> SampleWorld:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return SampleWorld(tuple(data["feeds"]), tuple(data["articles"]))


def _when(article: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(str(article["published"]).replace("Z", "+00:00"))


def render_feed(world: SampleWorld, feed: Mapping[str, Any], base: str) -> bytes:
    items = world.feed_articles(feed["slug"])
    if feed.get("format") == "atom":
        entries = "".join(
            f"<entry><title>{xml_escape(a['title'])}</title>"
            f'<link href="{base}/articles/{a["slug"]}.html"/>'
            f"<id>urn:newswatch-demo:{a['slug']}</id>"
            f"<updated>{_when(a).isoformat()}</updated><published>{_when(a).isoformat()}</published>"
            f"<author><name>{xml_escape(a.get('author', ''))}</name></author>"
            f"<summary>{xml_escape(a['summary'])}</summary></entry>"
            for a in items
        )
        updated = _when(items[0]).isoformat() if items else "2024-01-01T00:00:00+00:00"
        body = (
            f'<?xml version="1.0" encoding="utf-8"?>'
            f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{feed.get("language", "en")}">'
            f"<title>{xml_escape(feed['title'])}</title><id>{base}/feeds/{feed['slug']}.xml</id>"
            f"<updated>{updated}</updated>{entries}</feed>"
        )
    else:
        entries = "".join(
            f"<item><title>{xml_escape(a['title'])}</title>"
            f"<link>{base}/articles/{a['slug']}.html?utm_source=rss&amp;utm_medium=feed</link>"
            f'<guid isPermaLink="false">{a["slug"]}</guid>'
            f"<pubDate>{format_datetime(_when(a))}</pubDate>"
            f"<description>{xml_escape(a['summary'])}</description></item>"
            for a in items
        )
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{xml_escape(feed['title'])}</title><link>{base}/</link>"
            f"<language>{feed.get('language', 'en')}</language>{entries}</channel></rss>"
        )
    return body.encode("utf-8")


def render_article(article: Mapping[str, Any], outlet: str) -> bytes:
    """A realistic page: navigation, the story, related links and comments around it."""
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in article["paragraphs"])
    html = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(article["title"])} | {escape(outlet)}</title>
<meta property="og:title" content="{escape(article["title"])}">
<meta name="author" content="{escape(article.get("author", ""))}">
<meta property="article:published_time" content="{_when(article).isoformat()}"></head>
<body><header><nav><a href="/">Home</a> <a href="/politics">Politics</a> <a href="/sport">Sport</a>
<a href="/subscribe">Subscribe</a></nav></header>
<main><article><h1>{escape(article["title"])}</h1>
<p class="byline">By {escape(article.get("author", "Staff"))} · {_when(article):%d %B %Y}</p>
{paragraphs}</article>
<aside><h2>Most read</h2><ul><li><a href="/a">Markets close higher on export data</a></li>
<li><a href="/b">Weekend weather: rain in the north</a></li></ul></aside>
<section class="comments"><h2>Comments</h2><div class="comment"><p>Reader: this changes nothing, they will all attend next year anyway.</p></div></section>
</main><footer><p>© {escape(outlet)}. All rights reserved. Share this post. Leave a comment.</p></footer></body></html>"""
    return html.encode("utf-8")


class SampleSite:
    """Serve a SampleWorld on 127.0.0.1 in a background thread (`with SampleSite() as site:`)."""

    def __init__(self, world: SampleWorld | None = None, port: int = 0, delay: float = 0.0):
        self.world = world or load_sample()
        self.requests: list[tuple[str, str | None]] = []  # (path, If-None-Match)
        self.delay = delay  # seconds per response, to make concurrency observable in tests
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        outlets = {f["slug"]: f["title"] for f in self.world.feeds}
        articles = {a["slug"]: a for a in self.world.articles}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with site._lock:
                    site.in_flight += 1
                    site.max_in_flight = max(site.max_in_flight, site.in_flight)
                try:
                    time.sleep(site.delay)
                finally:
                    # Counted until the answer starts, not until this thread ends: a client
                    # that has its answer may send its next request before a later decrement.
                    with site._lock:
                        site.in_flight -= 1
                self._respond()

            def _respond(self) -> None:
                path = self.path.split("?", 1)[0]
                site.requests.append((path, self.headers.get("If-None-Match")))
                body, content_type = None, "text/html; charset=utf-8"
                if path.startswith("/feeds/") and path.endswith(".xml"):
                    slug = path[len("/feeds/") : -4]
                    feed = next((f for f in site.world.feeds if f["slug"] == slug), None)
                    if feed is not None:
                        body = render_feed(site.world, feed, site.base_url)
                        content_type = (
                            "application/atom+xml"
                            if feed.get("format") == "atom"
                            else "application/rss+xml"
                        ) + "; charset=utf-8"
                elif path.startswith("/articles/") and path.endswith(".html"):
                    article = articles.get(path[len("/articles/") : -5])
                    if article is not None:
                        body = render_article(article, outlets[article["feed"]])
                if body is None:
                    self.send_error(404)
                    return
                etag = '"' + hashlib.sha1(body).hexdigest() + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def feed_urls(self) -> dict[str, str]:
        return {f["title"]: f"{self.base_url}/feeds/{f['slug']}.xml" for f in self.world.feeds}

    def sources_yaml(self) -> str:
        lines = [
            "# Written by `newswatch demo`: the bundled sample feeds on 127.0.0.1.",
            # The sample world is an archive (2022–2024): alert on it although it is old.
            "alerts:",
            "  max_age: 0",
            "sources:",
        ]
        for feed in self.world.feeds:
            lines += [
                f"  - name: {feed['title']!r}".replace("'", '"'),
                f"    url: {self.base_url}/feeds/{feed['slug']}.xml",
                f"    language: {feed.get('language', 'en')}",
            ]
        return "\n".join(lines) + "\n"

    def __enter__(self) -> SampleSite:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
