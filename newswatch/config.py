"""sources.yaml: the one file users edit. Parsed here into validated, frozen models.

Every problem is reported as `file:line: key.path: message`, all at once, so a user can fix a
broken file in one pass. Nothing past this module ever sees raw YAML.
"""

from __future__ import annotations

import difflib
import logging
import math
import os
import re
import stat
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from newswatch.models import EventType
from newswatch.redact import redact

_DURATION = re.compile(r"^\s*(\d+)\s*(s|sec|m|min|h|d)?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, None: 1}
# A Slack channel: "#name" (lower-case, digits, -, _) or a conversation id (C…, G…).
_CHANNEL = re.compile(r"^(#[a-z0-9][a-z0-9._-]{0,79}|[CGD][A-Z0-9]{6,})$")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")  # an HTTP token
_HOST = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$")
MAX_DURATION = timedelta(days=366)
MIN_POLL_INTERVAL = timedelta(minutes=1)  # news sites deserve better than a poll a second
MAX_YAML_NODES = 100_000  # expanded through aliases: a YAML "billion laughs" stops here
# A sources file is read whole and composed by a pure-Python YAML parser (~3 s per MB): 2 MB
# holds some 20,000 sources, and anything larger is a wrong file, named at once.
MAX_SOURCES_BYTES = 2 * 1024 * 1024


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
    if not math.isfinite(seconds):
        raise ValueError(f"{value!r} is not a duration such as 10m, 2h or 7d")
    if seconds <= 0:
        raise ValueError("a duration must be greater than zero")
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(f"a duration must be at most {MAX_DURATION.days} days")
    return timedelta(seconds=seconds)


def _poll_interval(value: timedelta) -> timedelta:
    if value < MIN_POLL_INTERVAL:
        raise ValueError(
            f"a poll interval must be at least {MIN_POLL_INTERVAL.total_seconds():g}s "
            f"(got {value.total_seconds():g}s)"
        )
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
# A duration where 0 means "off".
DurationOrOff = Annotated[
    timedelta, BeforeValidator(lambda v: timedelta(0) if v in (0, "0") else parse_duration(v))
]
PollInterval = Annotated[timedelta, BeforeValidator(parse_duration), AfterValidator(_poll_interval)]


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
    interval: PollInterval | None = None  # poll this source at most this often (default: every run)
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
        if value != value.strip() or any(c.isspace() or ord(c) < 32 for c in value):
            raise ValueError(f"{value!r} contains spaces or control characters")
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL with a host")
        if not _HOST.match(parts.hostname) or "@" in parts.netloc:
            raise ValueError(f"{value!r} does not have a valid host name")
        try:
            parts.port  # noqa: B018 -- raises ValueError for a port that is not 0-65535
        except ValueError:
            raise ValueError(f"{value!r} has an invalid port") from None
        return value

    @field_validator("headers")
    @classmethod
    def _no_hop_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for key, header_value in value.items():
            if not _HEADER_NAME.match(key):
                raise ValueError(f"{key!r} is not a valid HTTP header name")
            if key.lower() in {"host", "content-length", "transfer-encoding", "connection"}:
                raise ValueError(f"header {key!r} is managed by newswatch and cannot be set")
            # The value is never echoed: headers often carry API keys.
            if any(c in header_value for c in "\r\n\x00"):
                raise ValueError(f"the value of header {key!r} contains a line break")
        return value

    @field_validator("allow_hosts")
    @classmethod
    def _hosts_only(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for host in value:
            if not _HOST.match(host):
                raise ValueError(
                    f"{host!r} is not a host name or IP address (no scheme, port or path)"
                )
        return tuple(host.lower() for host in value)

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
    # The channels newswatch may post to. When given, every channel named in `channel`,
    # `routes` and `digest` must be one of them, so a typo is caught before a run, not by Slack.
    channels: tuple[Channel, ...] | None = None
    routes: tuple[Route, ...] = ()
    digest: Digest | None = None
    # Tell Slack once when a source has failed this many runs in a row (and once when it recovers).
    source_failure_notice_after: int = Field(default=5, ge=1)
    # Articles published longer ago than this before the poll are stored and reported, never
    # alerted: a new installation or source must not alert on a feed's archive. 0 = off.
    max_age: DurationOrOff = timedelta(hours=72)

    def channels_for(self, event_type: str, source_tags: Sequence[str], default: str) -> str:
        """The first matching route's channel, else the default channel."""
        for route in self.routes:
            if route.matches(event_type, source_tags):
                return route.channel
        return default


class ScheduleConfig(_Strict):
    interval: PollInterval = timedelta(minutes=10)


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
    detail: str = ""  # further lines: the offending line itself, a caret, a hint

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        head = f"{place}: {self.where + ': ' if self.where else ''}{self.message}"
        # The message and the quoted line may show a feed URL with a key in it: printed on the
        # console and logged to the run, so masked like every other URL.
        return redact(f"{head}\n{self.detail}" if self.detail else head)


class ConfigError(Exception):
    """sources.yaml is unusable; `problems` lists every fault with its line."""

    def __init__(self, problems: list[ConfigProblem]):
        # In file order, so a user fixes them top to bottom.
        self.problems = sorted(problems, key=lambda p: p.line or 0)
        super().__init__("\n".join(str(p) for p in self.problems))


def load_sources(path: str | Path) -> SourcesConfig:
    """Read and validate a sources file; raise ConfigError naming file:line for every fault."""
    path = Path(path)
    try:
        if (size := path.stat().st_size) > MAX_SOURCES_BYTES:
            raise ConfigError([_too_large(str(path), size)])
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigProblem(str(path), None, "", f"cannot read: {exc}")]) from exc
    return parse_sources(text, filename=str(path))


def _too_large(filename: str, size: int) -> ConfigProblem:
    return ConfigProblem(
        filename,
        None,
        "",
        f"the file is {size / 1024 / 1024:.1f} MB; a sources file may be at most "
        f"{MAX_SOURCES_BYTES // 1024 // 1024} MB (about 20,000 sources): is it the right file?",
    )


def load_config(
    path: Path, data_dir: Path, logger: logging.Logger | logging.LoggerAdapter
) -> tuple[SourcesConfig, str | None]:
    """For a running deployment: the sources file, or, if it is broken now, the last good copy
    and why (said loudly, and returned so the run can end Failed). A good file is copied to
    `data_dir/sources.last-good.yaml` with the original's permissions (it may hold secrets)."""
    last_good = data_dir / "sources.last-good.yaml"
    try:
        config = load_sources(path)
    except ConfigError as error:
        if not last_good.exists():
            raise
        logger.error(
            "%s is broken; using the last good copy (%s) until it is fixed:\n%s",
            path,
            last_good,
            error,
        )
        fallback = f"{path} is broken; this run used the last good copy. {error}"
        return parse_sources(
            last_good.read_text(encoding="utf-8"), filename=str(last_good)
        ), fallback
    last_good.parent.mkdir(parents=True, exist_ok=True)
    scratch = last_good.with_suffix(".tmp")
    mode = stat.S_IMODE(path.stat().st_mode)
    scratch.unlink(missing_ok=True)
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as copy:
        copy.write(path.read_bytes())
    os.chmod(scratch, mode)  # O_CREAT's mode is filtered by the umask
    os.replace(scratch, last_good)
    return config, None


def parse_sources(text: str, filename: str = "sources.yaml") -> SourcesConfig:
    if len(text) > MAX_SOURCES_BYTES:  # characters: at least as many bytes
        raise ConfigError([_too_large(filename, len(text.encode("utf-8")))])
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ConfigError([_yaml_problem(exc, text, filename)]) from None
    except RecursionError:
        raise ConfigError(
            [ConfigProblem(filename, None, "", "invalid YAML: nested too deeply")]
        ) from None
    if root is None:
        raise ConfigError(
            [ConfigProblem(filename, 1, "", "the file is empty; expected `sources:`")]
        )
    if (shape := _shape_problem(root)) is not None:
        raise ConfigError([ConfigProblem(filename, shape[0], "", shape[1])])
    problems = [
        ConfigProblem(filename, line, where, msg) for line, where, msg in _duplicate_keys(root)
    ]
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:  # composed fine, but cannot be built (e.g. !!python tags)
        problems.append(_yaml_problem(exc, text, filename))
        raise ConfigError(problems) from None
    if not isinstance(data, dict):
        problems.append(ConfigProblem(filename, 1, "", "expected a mapping with a `sources:` list"))
        raise ConfigError(problems)
    problems.extend(_duplicate_sources(data.get("sources"), root, filename))
    problems.extend(_unknown_channels(data.get("alerts"), root, filename))
    try:
        config = SourcesConfig.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        item_faults = any(e["loc"][:1] == ("sources",) and len(e["loc"]) > 1 for e in errors)
        for error in errors:
            loc = tuple(error["loc"])
            if item_faults and loc == ("sources",) and error["type"] == "too_short":
                continue  # pydantic counts only valid items; the item faults say it all
            problems.append(
                ConfigProblem(filename, _line_of(root, loc), _dotted(loc), _message(error, loc))
            )
        raise ConfigError(problems) from None
    if problems:
        raise ConfigError(problems)
    return config


def _unknown_channels(raw_alerts: Any, root: yaml.Node, filename: str) -> list[ConfigProblem]:
    """With `alerts.channels` given, every channel used elsewhere must be listed there.
    Checked on the raw data, so a typo is reported together with every other fault."""
    if not isinstance(raw_alerts, dict) or not isinstance(raw_alerts.get("channels"), list):
        return []
    allowed = [str(c) for c in raw_alerts["channels"]]
    used: list[tuple[tuple[Any, ...], Any]] = [(("alerts", "channel"), raw_alerts.get("channel"))]
    routes = raw_alerts.get("routes")
    if isinstance(routes, list):
        used += [
            (("alerts", "routes", i, "channel"), r.get("channel"))
            for i, r in enumerate(routes)
            if isinstance(r, dict)
        ]
    digest = raw_alerts.get("digest")
    if isinstance(digest, dict):
        used.append((("alerts", "digest", "channel"), digest.get("channel")))
    return [
        ConfigProblem(
            filename,
            _line_of(root, loc),
            _dotted(loc),
            f"unknown channel {channel!r}: not in alerts.channels ({', '.join(allowed)})",
        )
        for loc, channel in used
        if isinstance(channel, str) and channel not in allowed
    ]


def _shape_problem(root: yaml.Node) -> tuple[int, str] | None:
    """Aliases that refer to themselves, or that expand to an enormous document ("billion
    laughs"), are refused before anything walks the data."""
    sizes: dict[int, int] = {}
    active: set[int] = set()
    aliased = False  # a node met twice: the composer returns one node for an anchor's aliases
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            active.discard(key)
            children = _children(node)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[key] > MAX_YAML_NODES:
                why = "aliases repeated too often" if aliased else "too many entries"
                return node.start_mark.line + 1, (
                    f"the document expands to more than {MAX_YAML_NODES} values ({why})"
                )
            continue
        if key in sizes:
            aliased = True
            continue
        if key in active:
            return node.start_mark.line + 1, "an alias refers to itself"
        active.add(key)
        stack.append((node, True))
        children = _children(node)
        fresh = [child for child in children if id(child) not in sizes]
        aliased = aliased or len(fresh) < len(children) or len(set(map(id, fresh))) < len(fresh)
        stack.extend((child, False) for child in fresh)
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


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


# Pydantic's wording names Python types; a sources.yaml author thinks in YAML.
_PLAIN_MESSAGES = {
    "missing": "this key is required",
    "string_type": "expected text",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "dict_type": "expected a mapping (indented `key: value` lines)",
    "model_type": "expected a mapping (indented `key: value` lines)",
    "model_attributes_type": "expected a mapping (indented `key: value` lines)",
    "tuple_type": "expected a list (`- item` lines or [a, b])",
    "list_type": "expected a list (`- item` lines or [a, b])",
    "string_pattern_mismatch": "has the wrong form",
}
_YAML_HINTS = (
    ("found character '\\t'", "YAML does not allow tabs: indent with spaces"),
    (
        "mapping values are not allowed",
        "quote a value that contains ': ', or check the indentation",
    ),
    ("expected <block end>", "this line is indented differently from the lines around it"),
    ("could not find expected ':'", "a key needs a colon after it; or a quote is not closed"),
    ("found unexpected end of stream", "a quote or bracket is not closed"),
    ("found undefined alias", "an *alias needs a matching &anchor earlier in the file"),
    ("could not determine a constructor", "tags such as !!python/... are not allowed"),
)


def _yaml_problem(exc: yaml.YAMLError, text: str, filename: str) -> ConfigProblem:
    """A YAML syntax fault: line and column, the line itself with a caret, and a hint."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is None:
        return ConfigProblem(filename, None, "", f"invalid YAML: {problem}")
    lines = text.splitlines()
    shown = lines[mark.line] if mark.line < len(lines) else ""
    hint = next(
        (h for key, h in _YAML_HINTS if key in str(exc)), "check the quoting and indentation"
    )
    detail = f"    {shown[:200]}\n    {' ' * min(mark.column, 200)}^\n  hint: {hint}"
    return ConfigProblem(
        filename, mark.line + 1, "", f"invalid YAML at column {mark.column + 1}: {problem}", detail
    )


def _message(error: dict[str, Any], loc: tuple[Any, ...]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        if close:
            return f"unknown key — did you mean `{close[0]}`?"
        return f"unknown key (valid here: {', '.join(known)})" if known else "unknown key"
    if kind == "too_short":
        return "must not be empty"
    if kind in ("literal_error", "enum"):
        expected = str(error.get("ctx", {}).get("expected", ""))
        return f"{error.get('input')!r} is not one of {expected}"
    if kind in _PLAIN_MESSAGES:
        return _PLAIN_MESSAGES[kind]
    message = str(error["msg"]).removeprefix("Value error, ")
    return message.replace("Input should be", "expected")


def _known_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys the model at this location accepts, in declaration order."""
    model: Any = SourcesConfig
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(model, type) else None
        if field is None:
            return []
        model = field.annotation
        # tuple[Source, ...] / X | None: the model inside
        while not (isinstance(model, type) and issubclass(model, BaseModel)):
            inner = [a for a in typing.get_args(model) if a is not Ellipsis and a is not type(None)]
            if not inner:
                return []
            model = inner[0]
    return list(model.model_fields) if isinstance(model, type) else []


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
