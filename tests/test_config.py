"""sources.yaml faults: every one named with file:line, all at once, before anything runs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from flows.cli import main
from newswatch.config import ConfigError, load_sources, parse_sources

GOOD = """\
sources:
  - name: Wire
    url: https://wire.example/rss
alerts:
  channels: ["#news", "#arms"]
  channel: "#news"
  routes:
    - channel: "#arms"
      event_types: [arms_transfer]
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_sources(text, filename="sources.yaml")
    return [str(p) for p in info.value.problems]


def test_good_file_parses():
    config = parse_sources(GOOD)
    assert config.alerts.channels == ("#news", "#arms")
    assert config.alerts.routes[0].channel == "#arms"


def test_invalid_yaml_names_the_line_and_column_shows_the_line_and_a_hint():
    assert problems("sources:\n  - name: a\n   url: x\n") == [
        "sources.yaml:3: invalid YAML at column 4: expected <block end>, but found "
        "'<block mapping start>'\n"
        "       url: x\n"
        "       ^\n"
        "  hint: this line is indented differently from the lines around it"
    ]
    tab = problems("sources:\n\t- name: a\n")[0]
    assert (
        tab.startswith("sources.yaml:2: invalid YAML at column 1") and "indent with spaces" in tab
    )
    colon = problems("sources:\n  - name: a: b\n    url: x\n")[0]
    assert colon.startswith("sources.yaml:2:") and "quote a value that contains ': '" in colon


def test_an_unknown_key_suggests_the_nearest_valid_one():
    text = "sources:\n  - name: a\n    url: https://a.example/\n    langauge: en\n"
    assert problems(text) == [
        "sources.yaml:4: sources[0].langauge: unknown key — did you mean `language`?"
    ]
    text = "sources:\n  - name: a\n    url: https://a.example/\nschedule: {every: 5m}\n"
    assert problems(text) == ["sources.yaml:4: schedule.every: unknown key (valid here: interval)"]


def test_messages_speak_yaml_not_python():
    text = "sources:\n  - name: a\n    url: https://a.example/\n    tags: red\n    enabled: maybe\n"
    found = problems(text)
    assert found == [
        "sources.yaml:4: sources[0].tags: expected a list (`- item` lines or [a, b])",
        "sources.yaml:5: sources[0].enabled: expected true or false",
    ]
    assert not any("Input should" in p or "Tuple" in p for p in found)


def test_every_fault_at_once_with_lines():
    text = """\
sources:
  - name: A
    url: ftp://a.example/feed
    interval: 5s
    colour: red
  - name: A
    url: http://exa mple.com/
    headers: {"X-Key": "secret-value\\nInjected: 1"}
    allow_hosts: ["http://10.0.0.1"]
  - name: B
    url: https://a.example:99999/
    interval: .inf
schedule:
  interval: 0
alerts:
  channels: ["#news"]
  channel: "#news"
  routes:
    - channel: "#nwes"
      event_types: [summit_boycott, coup]
"""
    found = problems(text)
    expected = [  # in file order
        "sources.yaml:3: sources[0].url: 'ftp://a.example/feed' is not an http(s) URL with a host",
        "sources.yaml:4: sources[0].interval: a poll interval must be at least 60s (got 5s)",
        "sources.yaml:5: sources[0].colour: unknown key (valid here: name, url, enabled, tags, "
        "language, headers, fetch_articles, interval, allow_hosts)",
        "sources.yaml:6: sources[1].name: duplicate source name 'A' (first at line 2)",
        "sources.yaml:7: sources[1].url: 'http://exa mple.com/' contains spaces or control characters",
        "sources.yaml:8: sources[1].headers: the value of header 'X-Key' contains a line break",
        "sources.yaml:9: sources[1].allow_hosts: 'http://10.0.0.1' is not a host name or IP address (no scheme, port or path)",
        "sources.yaml:11: sources[2].url: 'https://a.example:99999/' has an invalid port",
        "sources.yaml:12: sources[2].interval: inf is not a duration such as 10m, 2h or 7d",
        "sources.yaml:14: schedule.interval: a duration must be greater than zero",
        "sources.yaml:19: alerts.routes[0].channel: unknown channel '#nwes': not in alerts.channels (#news)",
        "sources.yaml:20: alerts.routes[0].event_types[1]: 'coup' is not one of 'summit_boycott', 'withdrawal_statement', 'arms_transfer', 'diplomatic_rupture' or 'declaration_refusal'",
    ]
    assert found == expected
    assert not any("secret-value" in p for p in found)  # header values are never echoed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "sources.yaml:1: the file is empty; expected `sources:`"),
        ("- a\n- b\n", "sources.yaml:1: expected a mapping with a `sources:` list"),
        ("sources: []\n", "sources.yaml:1: sources: must not be empty"),
        (
            "sources:\n  - name: a\n    url: https://a.example/\nsources: []\n",
            "sources.yaml:4: sources: duplicate key",
        ),
        (
            "sources:\n  - name: a\n    url: https://a.example/x/\n  - name: b\n    url: https://A.example/x\n",
            "sources.yaml:5: sources[1].url: duplicate source url 'https://A.example/x' (first at line 3)",
        ),
        ("sources: !!python/object/apply:os.system ['true']\n", "sources.yaml:1: invalid YAML"),
        ("a: &a [*a]\nsources: []\n", "sources.yaml:1: an alias refers to itself"),
        ("sources: " + "[" * 3000 + "]" * 3000 + "\n", "invalid YAML: nested too deeply"),
        (
            "sources:\n  - name: a\n    url: https://a.example/\nalerts:\n  channels: ['#a']\n"
            "  digest:\n    channel: '#b'\n",
            "sources.yaml:7: alerts.digest.channel: unknown channel '#b'",
        ),
        (
            "sources:\n  - name: a\n    url: https://a.example/\nalerts:\n  channel: 'News Room'\n",
            "sources.yaml:5: alerts.channel: 'News Room' is not a Slack channel",
        ),
        (
            "sources:\n  - name: a\n    url: https://a.example/\n    headers: {'Bad Name': x}\n",
            "sources.yaml:4: sources[0].headers: 'Bad Name' is not a valid HTTP header name",
        ),
        (
            "sources:\n  - name: a\n    url: https://a.example/\n    interval: 10 parsecs\n",
            "sources.yaml:4: sources[0].interval: '10 parsecs' is not a duration",
        ),
        (
            "sources:\n  - name: a\n    url: https://a.example/\n    interval: 99999999d\n",
            "sources.yaml:4: sources[0].interval: a duration must be at most 366 days",
        ),
    ],
)
def test_config_faults(text, expected):
    found = problems(text)
    assert any(p.startswith(expected) or expected in p for p in found), found


def test_yaml_billion_laughs_is_refused():
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 9)]
    found = problems("\n".join(lines) + "\nsources: *l8\n")
    assert len(found) == 1 and "expands to more than" in found[0]
    assert "aliases repeated too often" in found[0]


def test_a_file_too_large_for_a_sources_list_is_named_before_it_is_parsed(tmp_path: Path):
    path = tmp_path / "sources.yaml"
    path.write_text("# not a sources list\n" * 150_000, encoding="utf-8")  # 3 MB
    with pytest.raises(ConfigError) as error:
        load_sources(path)
    assert str(error.value) == (
        f"{path}: the file is 3.0 MB; a sources file may be at most 2 MB (about 20,000 sources): "
        "is it the right file?"
    )


def test_too_many_entries_without_aliases_are_not_blamed_on_aliases():
    many = "sources:\n" + "".join(
        f"  - {{name: s{i}, url: 'https://h{i}.example/'}}\n" for i in range(21_000)
    )
    found = problems(many)
    assert found == [
        "sources.yaml:2: the document expands to more than 100000 values (too many entries)"
    ], found


def test_channels_list_is_optional():
    config = parse_sources(
        "sources:\n  - name: a\n    url: https://a.example/\nalerts:\n  channel: '#anything'\n"
    )
    assert config.alerts.channels is None


def test_unreadable_file(tmp_path: Path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_sources(tmp_path / "missing.yaml")
    (tmp_path / "latin1.yaml").write_bytes("sources: [caf\xe9]".encode("latin-1"))
    with pytest.raises(ConfigError, match="cannot read"):
        load_sources(tmp_path / "latin1.yaml")


# --- through the command line: exit 2 before anything runs --------------------------------


BROKEN = "sources:\n  - name: a\n    url: gopher://a.example/\n    volume: 11\n"


@pytest.fixture
def broken(tmp_path: Path, newswatch_env: Path) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    return path


@pytest.fixture
def nothing_runs(monkeypatch):
    import flows.cli
    import newswatch.serve

    def must_not_run(*args, **kwargs):
        raise AssertionError("ran despite a broken sources file")

    monkeypatch.setattr(flows.cli, "load_poll", must_not_run)
    monkeypatch.setattr(newswatch.serve, "serve", must_not_run)


@pytest.mark.parametrize(
    "argv",
    [
        ["sources", "check", "{path}"],
        ["run", "--once", "--sources", "{path}"],
        ["serve", "--sources", "{path}"],
    ],
)
def test_cli_exits_2_with_file_line_messages(argv, broken, nothing_runs, capsys):
    code = main([arg.format(path=broken) for arg in argv])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{broken}:3: sources[0].url: 'gopher://a.example/' is not an http(s) URL" in err
    assert f"{broken}:4: sources[0].volume: unknown key" in err


def test_cli_sources_check_reads_the_default_path(broken, monkeypatch, capsys):
    monkeypatch.setenv("NEWSWATCH_SOURCES", str(broken))
    assert main(["sources", "check"]) == 2
    assert "unknown key" in capsys.readouterr().err


def test_cli_sources_check_ok(tmp_path: Path, capsys):
    path = tmp_path / "sources.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert main(["sources", "check", str(path)]) == 0
    assert "OK — 1 sources (1 enabled)" in capsys.readouterr().out


# --- a running deployment keeps the last good file ---------------------------------------


def test_broken_file_falls_back_to_the_last_good_copy(tmp_path: Path, caplog):
    from newswatch.config import load_config

    data = tmp_path / "data"
    path = tmp_path / "sources.yaml"
    logger = logging.getLogger("test.monitor")
    path.write_text(GOOD, encoding="utf-8")
    config, fallback = load_config(path, data, logger)
    assert config.sources[0].name == "Wire" and fallback is None
    assert (data / "sources.last-good.yaml").read_text(encoding="utf-8") == GOOD

    path.write_text(BROKEN, encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="test.monitor"):
        config, fallback = load_config(path, data, logger)
    assert config.sources[0].name == "Wire"
    assert fallback is not None and f"{path}:3: sources[0].url" in fallback  # shown in the artifact
    message = caplog.records[-1].getMessage()
    assert "is broken; using the last good copy" in message
    assert f"{path}:3: sources[0].url" in message  # says what is wrong, with the line
    assert (data / "sources.last-good.yaml").read_text(encoding="utf-8") == GOOD  # not overwritten


def test_broken_file_without_a_last_good_copy_fails(tmp_path: Path):
    from newswatch.config import load_config

    path = tmp_path / "sources.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(path, tmp_path / "data", logging.getLogger("test.monitor"))


def test_a_key_in_a_broken_url_is_not_echoed(tmp_path: Path, capsys):
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n"
        "  - name: Keyed\n"
        "    url: 'ftp://feeds.example/rss?api_key=k3y-in-the-url'\n"
        "  - name: Userinfo\n"
        "    url: 'https://me:pa55word@feeds.example/rss'\n",
        encoding="utf-8",
    )
    assert main(["sources", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:3: sources[0].url: 'ftp://feeds.example/rss?api_key=REDACTED' is not" in err
    assert f"{path}:5: sources[1].url: 'https://me:REDACTED@feeds.example/rss' does not" in err
    assert "k3y-in-the-url" not in err and "pa55word" not in err
