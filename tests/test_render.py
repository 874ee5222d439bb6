"""No feed text can ping a channel, forge a link or break Block Kit's limits (render.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from newswatch.models import EventType, Headline, Modality, Report
from newswatch.render import (
    HEADER_MAX,
    SECTION_MAX,
    escape,
    render_alert,
    render_notice,
    render_reply,
    safe_url,
)

HOSTILE = (
    "<!channel> <!here> <@U0123ABCD> <#C0123ABCD> <https://evil.example|Click me> &amp; *bold*"
)
HEADLINE = Headline(
    type=EventType.SUMMIT_BOYCOTT,
    modality=Modality.ANNOUNCED,
    actors=("Armenia",),
    target="CSTO summit",
    reason="<!everyone> because",
    rule="en.summit_boycott.skip",
    confidence=0.9,
)
# Slack's control sequences: anything between < and > is a mention, a command or a link.
CONTROL = re.compile(r"<[!@#][^>]*>|<https?://[^>]*>")


def report(**overrides: Any) -> Report:
    values: dict[str, Any] = {
        "source": "Caucasus Ledger",
        "title": "Armenia stays away",
        "url": "https://news.example/a",
        "published": datetime(2024, 11, 5, tzinfo=UTC),
        "evidence": "Armenia will not attend the summit.",
    }
    values.update(overrides)
    return Report(**values)


SLACK_DATE = re.compile(
    r"<!date\^\d+\^\{date_short_pretty\} \{time\}\|\d{4}-\d\d-\d\d \d\d:\d\d UTC>"
)


def mrkdwn_texts(payload: dict[str, Any]) -> list[str]:
    """Every string Slack renders as mrkdwn: the fallback text and mrkdwn blocks."""
    texts = [payload["text"]]
    for block in payload["blocks"]:
        if block.get("text", {}).get("type") == "mrkdwn":
            texts.append(block["text"]["text"])
        texts += [e["text"] for e in block.get("elements", []) if e.get("type") == "mrkdwn"]
    return texts


def links(text: str) -> list[str]:
    return re.findall(r"<(https?://[^|>]*)\|", text)


def test_escape():
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"


@pytest.mark.parametrize(
    "hostile",
    [
        {"title": HOSTILE},
        {"source": HOSTILE},
        {"evidence": HOSTILE},
        {"title": "fine", "url": "https://evil.example/x|<!channel>"},
        {"url": "https://e.example/<!here>"},
        {"fallback_reason": HOSTILE, "text_from": "feed"},
    ],
)
def test_hostile_fields_cannot_ping_or_forge_links(hostile):
    for payload in (render_alert(HEADLINE, report(**hostile)), render_reply(report(**hostile))):
        for text in mrkdwn_texts(payload):
            # newswatch's own date token (fixed format, from a datetime) is the one `<!` allowed.
            text = SLACK_DATE.sub("", text)
            controls = CONTROL.findall(text)
            # The only control sequence allowed is the article link newswatch made itself.
            assert all(c.startswith(("<https://news.example/", "<https://e")) for c in controls), (
                controls,
                text,
            )
            assert "<!" not in text and "<@" not in text and "<#" not in text
            for href in links(text):
                assert "|" not in href and "<" not in href and ">" not in href


def test_javascript_and_data_urls_are_not_linked():
    for url in ("javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://x.example/"):
        assert safe_url(url) is None
        payload = render_alert(HEADLINE, report(url=url))
        assert all(b["type"] != "actions" for b in payload["blocks"])
        assert not any(links(t) for t in mrkdwn_texts(payload))


def _within_limits(payload: dict[str, Any]) -> None:
    assert len(payload["text"]) <= 4000
    for block in payload["blocks"]:
        text = block.get("text", {})
        if block["type"] == "header":
            assert len(text["text"]) <= HEADER_MAX
        elif text:
            assert len(text["text"]) <= SECTION_MAX, (block["type"], len(text["text"]))
        for element in block.get("elements", []):
            if "url" in element:
                assert len(element["url"]) <= 3000
            if element.get("type") == "mrkdwn":
                assert len(element["text"]) <= SECTION_MAX


def test_long_plain_fields_are_trimmed_within_block_kit_limits():
    long = "word " * 5000
    payload = render_alert(
        HEADLINE,
        report(
            title=long, source=long[:300], evidence=long, fallback_reason=long, text_from="feed"
        ),
        also_reported=[report(source=f"Outlet {n}") for n in range(200)],
    )
    _within_limits(payload)
    _within_limits(render_reply(report(title=long, evidence=long)))
    _within_limits(render_notice(long))


def test_escaping_cannot_push_a_block_past_its_limit():
    ampersands = "&" * 1200
    payload = render_alert(HEADLINE, report(evidence=ampersands, title="<" * 200))
    _within_limits(payload)
    _within_limits(render_reply(report(evidence="\n" * 500 + ampersands)))
    wide_url = "https://news.example/" + "ü" * 1900  # ~11,000 characters once percent-encoded
    _within_limits(render_alert(HEADLINE, report(url=wide_url)))


# Slack's formatting reference: mrkdwn reads *bold*, _italic_, ~strike~, `code` and ``` fences,
# and (unless a text object is `verbatim`) auto-parses mentions; & < > are its only escapes.
PINGS = ("@channel", "@here", "@everyone", "@\u200bchannel", "@\u2060HERE")
FORMATTING = ("*bold*", "_it_", "~strike~", "```fence```", "`code`")
BIDI = "".join(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
SPOOF = "invoice\u202egpj.exe " + BIDI + " " + " ".join(PINGS + FORMATTING)


@pytest.mark.parametrize(
    "field", ["title", "evidence", "source", "fallback_reason", "reason", "actors", "target"]
)
def test_feed_text_cannot_ping_format_or_reorder_a_message(field):
    headline, fields = HEADLINE, {"text_from": "feed"}
    if field in ("reason", "target"):
        headline = Headline(**{**HEADLINE.__dict__, field: SPOOF})
    elif field == "actors":
        headline = Headline(**{**HEADLINE.__dict__, "actors": (SPOOF,)})
    else:
        fields[field] = SPOOF
    for payload in (render_alert(headline, report(**fields)), render_reply(report(**fields))):
        # The header is plain_text: Slack formats and parses nothing there, but bidi reorders.
        for block in payload["blocks"]:
            if block["type"] == "header":
                assert not any(c in block["text"]["text"] for c in BIDI)
        for text in mrkdwn_texts(payload):
            assert not any(c in text for c in BIDI), repr(text)
            assert not re.search(
                r"(?<![\w＠])@[\u200b-\u200d\u2060]*(channel|here|everyone)", text, re.I
            ), text
            for marked in FORMATTING:
                assert marked not in text, (marked, text)
        for block in payload["blocks"]:
            objects = [block.get("text", {}), *block.get("elements", [])]
            for obj in objects:
                if obj.get("type") == "mrkdwn":
                    assert obj.get("verbatim") is True, block


def test_neutralised_text_stays_readable_and_links_keep_working():
    payload = render_reply(
        report(title="*Breaking* @here", url="https://news.example/a_b~c?x=1&y=2")
    )
    body = payload["blocks"][0]["text"]["text"]
    assert "<https://news.example/a_b~c?x=1&y=2|∗Breaking∗ ＠here>" in body
    assert payload["text"].endswith("— https://news.example/a_b~c?x=1&amp;y=2")
