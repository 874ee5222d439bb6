"""The feedback buttons an alert carries when interactivity is configured (issue #12).

Owns the action ids the Slack listener answers to and the Block Kit actions block with them.
Rendering only: no database, no Slack calls. Interactivity is configured when an app-level token
(`SLACK_APP_TOKEN`) is set; without one, alerts look exactly as before (buttons nobody listens
to would fail for the analyst who clicks them).
"""

from __future__ import annotations

import os
from typing import Any

from newswatch.models import EventType

BLOCK_ID = "newswatch_feedback"
NOTE_BLOCK_ID = "newswatch_feedback_note"  # the context line that says who judged the alert

FALSE_ALARM = "false_alarm"
WRONG_TYPE = "wrong_type"
MUTE_DEVELOPMENT = "mute_development"
MUTE_ACTOR = "mute_actor"
ACTIONS = (FALSE_ALARM, WRONG_TYPE, MUTE_DEVELOPMENT, MUTE_ACTOR)
ACTION_PREFIX = "newswatch_"  # action_id = prefix + action
NOT_AN_EVENT = "not_an_event"
WRONG_TYPE_VALUES = (*(t.value for t in EventType), NOT_AN_EVENT)
ACTOR_MUTE_DAYS = 7


def type_title(value: str) -> str:
    """ "summit_boycott" -> "Summit boycott" (the same words the alert header uses)."""
    return value.replace("_", " ").capitalize()


def interactive() -> bool:
    """Whether a Socket Mode listener can answer the buttons: an app-level token is set."""
    return bool(os.environ.get("SLACK_APP_TOKEN") or os.environ.get("NEWSWATCH_SLACK_APP_TOKEN"))


def feedback_blocks() -> list[dict[str, Any]]:
    """The actions block for a top-level alert, or nothing when interactivity is off."""
    if not interactive():
        return []

    def button(action: str, label: str) -> dict[str, Any]:
        return {
            "type": "button",
            "action_id": ACTION_PREFIX + action,
            "text": {"type": "plain_text", "text": label},
            "value": action,
        }

    return [
        {
            "type": "actions",
            "block_id": BLOCK_ID,
            "elements": [
                button(FALSE_ALARM, "False alarm"),
                {
                    "type": "static_select",
                    "action_id": ACTION_PREFIX + WRONG_TYPE,
                    "placeholder": {"type": "plain_text", "text": "Wrong type…"},
                    "options": [
                        {
                            "text": {"type": "plain_text", "text": type_title(value)},
                            "value": value,
                        }
                        for value in WRONG_TYPE_VALUES
                    ],
                },
                button(MUTE_DEVELOPMENT, "Mute this development"),
                button(MUTE_ACTOR, f"Mute actor for {ACTOR_MUTE_DAYS} days"),
            ],
        }
    ]


def with_note(blocks: list[dict[str, Any]], note: str) -> list[dict[str, Any]]:
    """The message's blocks with its feedback context line set to `note` (placed just before
    the buttons, where the analyst clicked); the analysts' names are escaped for mrkdwn."""
    kept = [b for b in blocks if b.get("block_id") != NOTE_BLOCK_ID]
    if not note:
        return kept
    text = ":speech_balloon: " + note.replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;"
    )
    line = {
        "type": "context",
        "block_id": NOTE_BLOCK_ID,
        "elements": [{"type": "mrkdwn", "text": text[:3000]}],
    }
    at = next((i for i, b in enumerate(kept) if b.get("block_id") == BLOCK_ID), len(kept))
    return [*kept[:at], line, *kept[at:]]
