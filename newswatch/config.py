"""sources.yaml: the one file users edit. Parsed here into validated, frozen models.

Every problem is reported as `file:line: key.path: message`, all at once, so a user can fix a
broken file in one pass. Nothing past this module ever sees raw YAML.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from newswatch.models import EventType

_DURATION = re.compile(r"^\s*(\d+)\s*(s|sec|m|min|h|d)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, None: 1}
# A Slack channel: "#name" (lower-case, digits, -, _) or a conversation id (C…, G…).
_CHANNEL = re.compile(r"^(#[a-z0-9][a-z0-9._-]{0,79}|[CGD][A-Z0-9]{6,})$")


def parse_duration(value: Any) -> timedelta:
    """'90s', '10m', '2h', '7d' or a number of seconds -> timedelta (must be > 0)."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, bool):
        raise ValueError("expected a duration such as 10m, 2h or 7d")
    elif isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        unit = match.group(2).lower() if match.group(2) else None
        seconds = float(int(match.group(1)) * _UNIT_SECONDS[unit])
    else:
        raise ValueError(f"{value!r} is not a duration such as 10m, 2h or 7d")
    if seconds <= 0:
        raise ValueError("a duration must be greater than zero")
    return timedelta(seconds=seconds)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def _check_channel(value: str) -> str:
    if not _CHANNEL.match(value):
        raise ValueError(
            f"{value!r} is not a Slack channel: use '#name' (lower case) or a channel id like C0123ABCD"
        )
    return value


Channel = Annotated[str, BeforeValidator(lambda v: _check_channel(str(v)))]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """One news feed to poll."""

    name: str = Field(min_length=1, max_length=100)
    url: str
    enabled: bool = True
    tags: tuple[str, ...] = ()
    language: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    headers: dict[str, str] = Field(default_factory=dict)
    fetch_articles: bool = True  # False: alert on the feed's own text, never fetch the page
    interval: Duration | None = None  # poll this source at most this often (default: every run)
    allow_hosts: tuple[str, ...] = ()  # private/loopback hosts this source may link to

    @field_validator("name")
    @classmethod
    def _name_is_trimmed(cls, value: str) -> str:
        if value != value.strip():
            raise ValueError("name must not start or end with spaces")
        return value

    @field_validator("url")
    @classmethod
    def _url_is_http(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL with a host")
        return value

    @field_validator("headers")
    @classmethod
    def _no_hop_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if key.lower() in {"host", "content-length", "transfer-encoding", "connection"}:
                raise ValueError(f"header {key!r} is managed by newswatch and cannot be set")
        return value

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""


class Route(_Strict):
    """Send alerts matching these event types and/or source tags to a channel."""

    channel: Channel
    event_types: tuple[EventType, ...] = ()  # empty: any type
    tags: tuple[str, ...] = ()  # empty: any source

    def matches(self, event_type: str, source_tags: Sequence[str]) -> bool:
        type_ok = not self.event_types or event_type in self.event_types
        tag_ok = not self.tags or bool(set(self.tags) & set(source_tags))
        return type_ok and tag_ok


class Digest(_Strict):
    """A periodic summary message listing the period's developments."""

    every: Literal["hourly", "daily"] = "daily"
    channel: Channel | None = None  # default: the default alert channel


class AlertsConfig(_Strict):
    channel: Channel | None = None  # default channel; NEWSWATCH_SLACK_CHANNEL overrides it
    routes: tuple[Route, ...] = ()
    digest: Digest | None = None
    # Tell Slack once when a source has failed this many runs in a row (and once when it recovers).
    source_failure_notice_after: int = Field(default=5, ge=1)

    def channels_for(self, event_type: str, source_tags: Sequence[str], default: str) -> str:
        """The first matching route's channel, else the default channel."""
        for route in self.routes:
            if route.matches(event_type, source_tags):
                return route.channel
        return default


class ScheduleConfig(_Strict):
    interval: Duration = timedelta(minutes=10)


class DevelopmentsConfig(_Strict):
    window: Duration = timedelta(days=7)  # reports this close together can be one development


class SourcesConfig(_Strict):
    sources: tuple[Source, ...] = Field(min_length=1)
    alerts: AlertsConfig = AlertsConfig()
    schedule: ScheduleConfig = ScheduleConfig()
    developments: DevelopmentsConfig = DevelopmentsConfig()
    watchlist: tuple[str, ...] = ()  # entities of interest; empty: every detection counts

    @property
    def enabled_sources(self) -> tuple[Source, ...]:
        return tuple(s for s in self.sources if s.enabled)


@dataclass(frozen=True)
class ConfigProblem:
    file: str
    line: int | None
    where: str  # dotted key path, e.g. "sources[2].url"
    message: str

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        return f"{place}: {self.where + ': ' if self.where else ''}{self.message}"


class ConfigError(Exception):
    """sources.yaml is unusable; `problems` lists every fault with its line."""

    def __init__(self, problems: list[ConfigProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_sources(path: str | Path) -> SourcesConfig:
    """Read and validate a sources file; raise ConfigError naming file:line for every fault."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigProblem(str(path), None, "", f"cannot read: {exc}")]) from exc
    return parse_sources(text, filename=str(path))


def parse_sources(text: str, filename: str = "sources.yaml") -> SourcesConfig:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([ConfigProblem(filename, line, "", f"invalid YAML: {problem}")]) from exc
    if root is None:
        raise ConfigError(
            [ConfigProblem(filename, 1, "", "the file is empty; expected `sources:`")]
        )
    problems = [
        ConfigProblem(filename, line, where, msg) for line, where, msg in _duplicate_keys(root)
    ]
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        problems.append(ConfigProblem(filename, 1, "", "expected a mapping with a `sources:` list"))
        raise ConfigError(problems)
    problems.extend(_duplicate_sources(data.get("sources"), root, filename))
    try:
        config = SourcesConfig.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            problems.append(
                ConfigProblem(filename, _line_of(root, loc), _dotted(loc), _message(error))
            )
        raise ConfigError(problems) from None
    if problems:
        raise ConfigError(problems)
    return config


def _duplicate_sources(raw_sources: Any, root: yaml.Node, filename: str) -> list[ConfigProblem]:
    """Two sources with one name or URL would share feed state; checked on the raw data so the
    fault is reported together with every other one."""
    if not isinstance(raw_sources, list):
        return []
    problems: list[ConfigProblem] = []
    firsts: dict[tuple[str, str], int] = {}
    for index, raw in enumerate(raw_sources):
        if not isinstance(raw, dict):
            continue
        for key in ("name", "url"):
            value = raw.get(key)
            if not isinstance(value, str):
                continue
            seen_key = (key, value.casefold().rstrip("/"))
            if seen_key in firsts:
                first_line = _line_of(root, ("sources", firsts[seen_key], key))
                problems.append(
                    ConfigProblem(
                        filename,
                        _line_of(root, ("sources", index, key)),
                        f"sources[{index}].{key}",
                        f"duplicate source {key} {value!r} (first at line {first_line})",
                    )
                )
            else:
                firsts[seen_key] = index
    return problems


def _message(error: dict[str, Any]) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _dotted(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_of(node: yaml.Node, loc: tuple[Any, ...]) -> int:
    """The 1-based line of the YAML node at a pydantic error location (deepest node found)."""
    line = node.start_mark.line + 1
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == part:
                    # An unknown key is best shown at the key itself.
                    child = value_node
                    line = key_node.start_mark.line + 1
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            child = node.value[part]
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line


def _duplicate_keys(node: yaml.Node, where: str = "") -> list[tuple[int, str, str]]:
    """YAML silently keeps the last of two equal keys; a user almost never means that."""
    found: list[tuple[int, str, str]] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            path = f"{where}.{key}" if where else key
            if key in seen:
                found.append((key_node.start_mark.line + 1, path, "duplicate key"))
            seen.add(key)
            found.extend(_duplicate_keys(value_node, path))
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            found.extend(_duplicate_keys(child, f"{where}[{index}]"))
    return found
