"""Secrets in URLs (query keys, tokens, signatures, user:password) never reach a log line, the
store, the run report or a Slack notice; the last-good copy of sources.yaml keeps the
original's permissions (newswatch/redact.py and its users)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from newswatch.redact import MASK, redact
from tests.fixtures.hostile_site import RecordingServer, send

SECRET = "s3cr3t-c4n4ry"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            f"https://feeds.example/rss?api_key={SECRET}&lang=en",
            f"https://feeds.example/rss?api_key={MASK}&lang=en",
        ),
        (f"https://u:{SECRET}@feeds.example/rss", f"https://u:{MASK}@feeds.example/rss"),
        (f"https://{SECRET}@feeds.example/rss", f"https://{MASK}@feeds.example/rss"),
        (f"https://x.example/a?accessToken={SECRET}", f"https://x.example/a?accessToken={MASK}"),
        (
            f"https://b.example/o?X-Amz-Signature={SECRET}&X-Amz-Date=1",
            f"https://b.example/o?X-Amz-Signature={MASK}&X-Amz-Date=1",
        ),
        (f"https://x.example/#access_token={SECRET}", f"https://x.example/#access_token={MASK}"),
        (
            f"failed: https://x.example/f?sig={SECRET} (HTTP 500)",
            f"failed: https://x.example/f?sig={MASK} (HTTP 500)",
        ),
        (  # a quoted URL in a message keeps its closing quote
            f"'ftp://x.example/f?token={SECRET}' is not an http(s) URL",
            f"'ftp://x.example/f?token={MASK}' is not an http(s) URL",
        ),
    ],
)
def test_secrets_in_urls_are_masked(url, expected):
    assert redact(url) == expected


@pytest.mark.parametrize(
    "harmless",
    [
        "https://news.example/search?keywords=csto&page=2",
        "https://news.example/a?author=ana&id=7",
        "rule en.summit_boycott.x, confidence=0.90",
        "",
    ],
)
def test_ordinary_urls_and_text_are_left_alone(harmless):
    assert redact(harmless) == harmless


def test_a_failing_feed_with_a_key_in_its_url_leaks_it_nowhere(tmp_path: Path, caplog):
    from newswatch.config import parse_sources
    from newswatch.delivery import DeliveryReport
    from newswatch.developments import GroupingReport
    from newswatch.fetch import Fetcher, FetchLimits
    from newswatch.health import enqueue_health_notices
    from newswatch.pipeline import poll_source
    from newswatch.report import build_summary, render
    from newswatch.store import AlertRow, FeedState, Store

    with RecordingServer() as site:
        site.routes["/rss"] = lambda h: send(h, b"down", status=500)
        url = site.url(f"/rss?api_key={SECRET}")
        config = parse_sources(f"sources:\n  - name: Keyed\n    url: '{url}'\n")
        store = Store(f"sqlite:///{tmp_path / 'store.db'}")

        async def poll():
            async with Fetcher(FetchLimits(retries=0, total_timeout=5)) as fetcher:
                return await poll_source(
                    fetcher,
                    store,
                    config.sources[0],
                    None,
                    run_id="t",
                    schedule_interval=timedelta(minutes=10),
                )

        with caplog.at_level(logging.DEBUG):
            outcome, _ = asyncio.run(poll())
            notices = enqueue_health_notices(store, [outcome], notice_after=1, channel="#ops")
    assert site.requests == [f"/rss?api_key={SECRET}"]  # the real URL was requested
    assert outcome.status == "error" and notices, outcome

    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert "api_key=" in logged and SECRET not in logged
    with store.session() as s:
        state = s.scalars(select(FeedState)).one()
        payloads = [a.payload for a in s.scalars(select(AlertRow))]
    assert SECRET not in f"{state.url} {state.last_error}" and MASK in state.url
    assert payloads and SECRET not in json.dumps(payloads) + "".join(notices)
    summary = build_summary(store, [outcome], [], GroupingReport(), DeliveryReport(), notices)
    assert SECRET not in json.dumps(summary) and SECRET not in render(summary)


def test_httpx_request_lines_are_redacted_too(caplog):
    """httpx logs every request URL at INFO; the log record factory masks it as well."""
    record = logging.getLogger("httpx").makeRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        "HTTP Request: GET %s",
        (f"https://a.example/?token={SECRET}",),
        None,
    )
    assert SECRET not in record.getMessage() and MASK in record.getMessage()


def test_the_last_good_copy_keeps_the_originals_permissions(tmp_path: Path):
    from newswatch.config import load_config

    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  - {name: A, url: 'https://a.example/rss'}\n", encoding="utf-8")
    path.chmod(0o600)
    old_umask = os.umask(0o022)  # a umask that would give 0644 to a plain copy
    try:
        load_config(path, tmp_path / "data", logging.getLogger("test"))
    finally:
        os.umask(old_umask)
    copy = tmp_path / "data" / "sources.last-good.yaml"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
