"""The run report: what one poll found and did, as an analyst's page (the Prefect artifact
`newswatch-run-report`) and as the flow's return value.

`build_summary` gathers a run's outcome into a plain, JSON-serialisable dict (it reads the store
for the developments and alerts the run touched); `render` turns that dict into Markdown.
This module only reads: it never writes the store, never calls Slack and never decides
anything the pipeline acts on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from newswatch.feedback import report_lines
from newswatch.models import (
    AnalysedArticle,
    DeliveryReport,
    EventType,
    GroupingReport,
    Modality,
    SourceOutcome,
)
from newswatch.redact import redact
from newswatch.render import (
    MODALITY_WORDS,
    TYPE_TITLES,
    development_label,
    language_name,
    plural,
    safe_url,
)
from newswatch.store import AlertRow, ArticleRow, DetectionRow, DevelopmentRow, Store, utcnow

CELL_MAX = 160  # a table cell this long still reads at 1,440 px; the rest goes below the table
ALERT_KINDS = {
    "new": "new alert",
    "reply": "thread reply (further report)",
    "update": "source count update",
    "escalation": "moved-on alert",
    "notice": "source notice",
    "digest": "digest",
}


def build_summary(
    store: Store,
    outcomes: Sequence[SourceOutcome],
    analysed: Sequence[AnalysedArticle],
    grouping: GroupingReport,
    delivery: DeliveryReport,
    notices: Sequence[str],
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Everything the run's report shows, as plain data."""
    now = now or utcnow()
    return {
        "generated_at": now.isoformat(),
        "sources": [
            {
                "name": o.source,
                "url": redact(o.url),
                "status": o.status,
                "items": o.items,
                "new": o.new,
                "error": redact(o.error),
                "warnings": [redact(w) for w in o.warnings],
                "consecutive_failures": o.consecutive_failures,
                "last_success_at": o.last_success_at.isoformat() if o.last_success_at else None,
                "next_poll_at": o.next_poll_at.isoformat() if o.next_poll_at else None,
            }
            for o in outcomes
        ],
        "articles": len(analysed),
        "fallbacks": sum(1 for a in analysed if a.article.text_from == "feed"),
        "detections": [list(d) for d in grouping.detections],
        "developments_new": sorted(set(grouping.new)),
        "developments_updated": sorted(set(grouping.updated)),
        "developments_escalated": sorted(set(grouping.escalated)),
        "held_back": [
            {
                "development": h.development_id,
                "source": h.source,
                "type": h.type,
                "title": h.title,
                "reason": h.reason,
            }
            for h in grouping.held_back
        ],
        "alerts_sent": len(delivery.sent),
        "alerts_pending": delivery.pending,
        "alert_errors": delivery.errors,
        "blocked_channels": delivery.blocked_channels,
        "notices": list(notices),
        "developments": _developments(store, grouping),
        "alerts": _alerts(store, delivery),
    }


def _developments(store: Store, grouping: GroupingReport) -> list[dict[str, Any]]:
    """The developments this run opened or added to, each with its evidence and link."""
    changed = {*grouping.new, *grouping.updated}
    if not changed:
        return []
    held = {h.development_id for h in grouping.held_back}
    with store.session() as s:
        rows = s.scalars(select(DevelopmentRow).where(DevelopmentRow.id.in_(changed))).all()
        reports = s.execute(
            select(DetectionRow, ArticleRow)
            .join(ArticleRow, DetectionRow.article_id == ArticleRow.id)
            .where(DetectionRow.development_id.in_(changed))
            .order_by(DetectionRow.id)
        ).all()
        parents = {
            a.id: a
            for a in s.scalars(
                select(AlertRow).where(
                    AlertRow.id.in_([d.parent_alert_id for d in rows if d.parent_alert_id])
                )
            )
        }
    out = []
    for d in sorted(rows, key=lambda d: d.id):
        own = [(det, art) for det, art in reports if det.development_id == d.id]
        heads = [(det, art) for det, art in own if det.role in ("first", "escalation")]
        det, art = (heads or own)[-1]
        parent = parents.get(d.parent_alert_id) if d.parent_alert_id else None
        if d.id in held and parent is None:
            change = "held back"
        elif d.id in grouping.escalated:
            change = "escalated"
        elif d.id in grouping.new:
            change = "new"
        else:
            change = "updated"
        out.append(
            {
                "id": d.id,
                "type": d.type,
                "modality": d.modality,
                "actors": d.actors,
                "target": d.target,
                "reports": d.report_count,
                "channel": d.channel,
                "change": change,
                "held_back": d.id in held and parent is None,
                "first_seen_at": d.first_seen_at.isoformat(),
                "evidence": det.evidence,
                "reason": det.reason,
                "title": art.title,
                "url": art.url,
                "source": art.source,
                "lang": art.lang,
                "published_at": art.published_at.isoformat() if art.published_at else None,
                "slack": parent.status if parent else None,
            }
        )
    return out


def _alerts(store: Store, delivery: DeliveryReport) -> list[dict[str, Any]]:
    """The alerts this run sent, and every alert still waiting (with why it waits)."""
    with store.session() as s:
        rows = s.scalars(
            select(AlertRow)
            .where(AlertRow.id.in_(delivery.sent) | AlertRow.status.in_(("pending", "sending")))
            .order_by(AlertRow.id)
        ).all()
    waiting_developments = {r.development_id for r in rows if r.status != "sent"}
    out = []
    for r in rows:
        if r.status == "sent":
            why = None
        elif r.channel in delivery.blocked_channels:
            why = f"Slack refuses the channel: {delivery.blocked_channels[r.channel]}"
        elif r.last_error:
            why = f"last attempt failed: {r.last_error}; retried next run"
        elif r.development_id in waiting_developments and any(
            o.development_id == r.development_id and o.id < r.id and o.status != "sent"
            for o in rows
        ):
            why = "waits for an earlier alert of its development"
        else:
            why = "not tried yet"
        out.append(
            {
                "id": r.id,
                "kind": r.kind,
                "channel": r.channel,
                "status": r.status,
                "text": r.payload.get("text", ""),
                "why": why,
            }
        )
    return out


# --- Markdown ---------------------------------------------------------------------------------


def relative(when: str | datetime | None, now: datetime) -> str:
    """A time as a reader says it: "3 h ago", "in 10 min", "just now"; "" when unknown."""
    if when is None:
        return ""
    if isinstance(when, str):
        when = datetime.fromisoformat(when)
    seconds = (now - when).total_seconds()
    ahead = seconds < 0
    seconds = abs(seconds)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        amount = f"{seconds / 60:.0f} min"
    elif seconds < 2 * 86400:
        amount = f"{seconds / 3600:.0f} h"
    else:
        amount = f"{seconds / 86400:.0f} d"
    return f"in {amount}" if ahead else f"{amount} ago"


def _cell(value: Any, limit: int = CELL_MAX) -> str:
    text = " ".join(str(value if value is not None else "").split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _md_link(label: str, url: str | None) -> str:
    label = _cell(label, 90).replace("[", "(").replace("]", ")")
    href = safe_url(url)
    return f"[{label}]({href.replace(')', '%29')})" if href else label


def _label(d: dict[str, Any]) -> str:
    return development_label(EventType(d["type"]), d["actors"], d["target"])


def render(summary: dict[str, Any], now: datetime | None = None) -> str:
    """The analyst's page for one run."""
    now = now or datetime.fromisoformat(summary["generated_at"])
    held = summary.get("held_back", [])
    lines = [
        "# newswatch run",
        "",
        f"**{summary['articles']}** new articles ({summary['fallbacks']} read from feed text), "
        f"**{len(summary['detections'])}** detections, developments: "
        f"**{len(summary['developments_new'])}** new, **{len(summary['developments_updated'])}** "
        f"updated, **{len(summary['developments_escalated'])}** moved on. "
        f"Alerts: **{summary['alerts_sent']}** sent, **{summary['alerts_pending']}** pending, "
        f"**{len(summary['alert_errors'])}** failed this run"
        + (f", **{len(held)}** held back (too old)." if held else "."),
        "",
    ]
    if summary.get("config_fallback"):
        lines += [f"> :warning: {_cell(summary['config_fallback'], 1000)}", ""]
    if summary["blocked_channels"]:
        lines += ["## Slack refuses these channels (alerts kept pending)", ""]
        lines += [f"- `{c}`: **{e}**" for c, e in summary["blocked_channels"].items()] + [""]
    lines += _developments_section(summary.get("developments", []), now)
    lines += _held_back_section(held)
    lines += _alerts_section(summary.get("alerts", []))
    lines += _sources_section(summary["sources"], now)
    if summary["detections"]:
        lines += ["", "## Detections", "", "| source | type | article |", "|---|---|---|"]
        lines += [
            f"| {_cell(src)} | {TYPE_TITLES[EventType(typ)]} | {_cell(title)} |"
            for src, typ, title in summary["detections"]
        ]
    if summary["alert_errors"]:
        lines += ["", "## Alert errors", ""] + [
            f"- {_cell(e, 1000)}" for e in summary["alert_errors"]
        ]
    if summary["notices"]:
        lines += ["", "## Source notices", ""] + [f"- {_cell(n, 1000)}" for n in summary["notices"]]
    lines += report_lines(summary.get("feedback"))  # feedback hook (#12)
    return "\n".join(lines) + "\n"


def _developments_section(developments: list[dict[str, Any]], now: datetime) -> list[str]:
    if not developments:
        return []
    lines = [
        "## Developments",
        "",
        "| development | stage | change | reports | first seen | evidence | stated reason | Slack |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for d in developments:
        language = language_name(d.get("lang"))
        evidence = f"“{_cell(d['evidence'], 140)}” — " + _md_link(
            f"{d['source']}: {d['title']}", d["url"]
        )
        if published := relative(d.get("published_at"), now):
            evidence += f", published {published}"
        if language:
            evidence += f" ({language})"
        slack = "held back (too old)" if d["held_back"] else (d["slack"] or "")
        lines.append(
            f"| **{_cell(_label(d))}** | {MODALITY_WORDS[Modality(d['modality'])]} "
            f"| {d['change']} | {d['reports']} | {relative(d['first_seen_at'], now)} "
            f"| {evidence} | {_cell(d['reason'] or '—', 100)} "
            f"| {_cell(slack)} {_cell(d['channel'])} |"
        )
    return [*lines, ""]


def _held_back_section(held: list[dict[str, Any]]) -> list[str]:
    if not held:
        return []
    lines = [
        "## Held back",
        "",
        f"{plural(len(held), 'report')} stored, detected and grouped but **not alerted**: "
        "published longer before this poll than `alerts.max_age` allows (a new installation "
        "or a new source does not alert on a feed's archive).",
        "",
        "| source | type | article | why |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {_cell(h['source'])} | {TYPE_TITLES[EventType(h['type'])]} | {_cell(h['title'])} "
        f"| {_cell(h['reason'])} |"
        for h in held
    ]
    return [*lines, ""]


def _alerts_section(alerts: list[dict[str, Any]]) -> list[str]:
    if not alerts:
        return []
    lines = [
        "## Alerts",
        "",
        "| channel | what | message | status | why |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {_cell(a['channel'])} | {ALERT_KINDS.get(a['kind'], a['kind'])} "
        f"| {_cell(a['text'], 120)} | {a['status']} | {_cell(a['why'] or '')} |"
        for a in alerts
    ]
    return [*lines, ""]


def _sources_section(sources: list[dict[str, Any]], now: datetime) -> list[str]:
    lines = [
        "## Sources",
        "",
        "| source | status | items | new | failures in a row | last success | next poll | problem |",
        "|---|---|---|---|---|---|---|---|",
    ]
    long_problems = []
    for s in sources:
        problems = "; ".join(filter(None, [s["error"], *s["warnings"]]))
        if len(problems) > CELL_MAX:
            long_problems.append(f"- **{_cell(s['name'])}**: {_cell(problems, 2000)}")
        lines.append(
            f"| {_cell(s['name'])} | {s['status']} | {s['items']} | {s['new']} | "
            f"{s['consecutive_failures']} | {relative(s['last_success_at'], now)} | "
            f"{relative(s['next_poll_at'], now) or 'next run'} | {_cell(problems)} |"
        )
    if long_problems:
        lines += ["", "Problems in full:", "", *long_problems]
    return lines
