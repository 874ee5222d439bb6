"""Source health notices: tell Slack once when a source keeps failing, and once when it recovers.

The per-run status of every source is in the run's artifact; Slack hears only about the two
transitions, so a feed that is down for a week costs one message, not a thousand.
"""

from __future__ import annotations

from collections.abc import Iterable

from newswatch import outbox
from newswatch.models import SourceOutcome
from newswatch.redact import redact
from newswatch.render import escape, render_notice
from newswatch.store import FeedState, Store, utcnow


def enqueue_health_notices(
    store: Store, outcomes: Iterable[SourceOutcome], *, notice_after: int, channel: str
) -> list[str]:
    """Write outbox rows for sources that crossed a threshold; returns what was announced."""
    announced: list[str] = []
    with store.session() as s:
        for outcome in outcomes:
            # Two runs covering one source take turns on its row, so only one announces.
            state = s.get(FeedState, outcome.source, with_for_update=True)
            if state is None or outcome.status == "skipped":
                continue
            if state.consecutive_failures >= notice_after and not state.failure_notice_sent:
                since = (
                    state.failing_since.strftime("%Y-%m-%d %H:%M UTC")
                    if state.failing_since
                    else "?"
                )
                text = (
                    f":warning: Source *{escape(state.source)}* has failed {state.consecutive_failures} "
                    f"polls in a row (since {since}). Last error: {escape(redact(state.last_error) or '?')}"
                )
                key = f"health:{state.source}:down:{since}"
                state.failure_notice_sent = True
            elif state.consecutive_failures == 0 and state.failure_notice_sent:
                text = f":white_check_mark: Source *{escape(state.source)}* is working again."
                key = f"health:{state.source}:up:{utcnow().isoformat()}"
                state.failure_notice_sent = False
            else:
                continue
            outbox.enqueue_once(s, key, "notice", channel, render_notice(text))
            announced.append(text)
    return announced
