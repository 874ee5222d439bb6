"""The command line as other tools drive it: real subprocesses, loopback feeds, Slack stand-in."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NEWSWATCH = [sys.executable, "-m", "flows.cli"]  # the console script


def run_cli(*args: str, env: dict[str, str], timeout: int = 240, stdin: str | None = None):
    return subprocess.run(
        [*NEWSWATCH, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
    )


def isolated_env(data: Path, **extra: str) -> dict[str, str]:
    """The environment of a newswatch child process: this machine's, less every newswatch,
    Slack and Prefect setting (Prefect's home then follows the data directory), telemetry off."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NEWSWATCH_", "SLACK_", "PREFECT_"))
    }
    env.update(
        NEWSWATCH_DATA_DIR=str(data), DO_NOT_TRACK="1", PREFECT_SERVER_ANALYTICS_ENABLED="false"
    )
    env.update(extra)
    return env


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    return isolated_env(tmp_path / "data", PREFECT_HOME=str(tmp_path / "prefect"))


@pytest.mark.slow
def test_run_once_posts_alerts_with_links_and_a_second_run_posts_nothing(
    sample_site, slack, cli_env, tmp_path: Path
):
    sources = tmp_path / "sources.yaml"
    sources.write_text(sample_site.sources_yaml(), encoding="utf-8")
    cli_env.update(
        {
            "SLACK_BOT_TOKEN": slack.state.token,
            "NEWSWATCH_SLACK_API_URL": slack.base_url,
            "NEWSWATCH_SLACK_CHANNEL": "#newswatch",
        }
    )

    first = run_cli("run", "--once", "--sources", str(sources), env=cli_env)
    assert first.returncode == 0, first.stderr[-3000:]
    posts = slack.state.calls_to("chat.postMessage")
    top_level = [c for c in posts if not c.params.get("thread_ts")]
    expected_links = {
        f"{sample_site.base_url}/articles/{a['slug']}.html"
        for a in sample_site.world.articles
        if a["expect"]
    }
    assert top_level, first.stdout + first.stderr[-3000:]
    for call in top_level:
        assert any(link in call.params["text"] for link in expected_links), call.params["text"]
    assert "alerts sent" in first.stdout

    calls = len(slack.state.calls)
    second = run_cli("run", "--once", "--sources", str(sources), env=cli_env)
    assert second.returncode == 0, second.stderr[-3000:]
    assert len(slack.state.calls) == calls


@pytest.mark.slow
def test_demo_alerts_on_the_seed_articles_only_and_nothing_the_second_time(cli_env, tmp_path: Path):
    with socket.socket() as probe:  # a free port, the same for both runs
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cli_env.update(
        {"NEWSWATCH_DEMO_DATA_DIR": str(tmp_path / "demo"), "NEWSWATCH_DEMO_PORT": str(port)}
    )

    first = run_cli("demo", env=cli_env)
    assert first.returncode == 0, first.stderr[-3000:]
    alerts = [
        json.loads(line) for line in (tmp_path / "demo" / "alerts.jsonl").read_text().splitlines()
    ]
    posted = [a for a in alerts if a["action"] == "post" and not a["thread_ts"]]
    from newswatch.demo.site import load_sample

    alerting = {a["slug"] for a in load_sample().articles if a["expect"]}
    for alert in posted:
        slug = alert["text"].rsplit("/articles/", 1)[-1].split(".html")[0]
        assert slug in alerting, alert["text"]
    assert "new developments" in first.stdout

    second = run_cli("demo", env=cli_env)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "Nothing new since the last demo run" in second.stdout
    assert (tmp_path / "demo" / "alerts.jsonl").read_text().count("\n") == len(alerts)


def test_sources_check_reports_file_and_line_and_exits_2(cli_env, tmp_path: Path):
    broken = tmp_path / "sources.yaml"
    broken.write_text("sources:\n  - name: a\n    url: https://a.example/rss\n    colour: red\n")
    result = run_cli("sources", "check", str(broken), env=cli_env, timeout=60)
    assert result.returncode == 2
    assert f"{broken}:4: sources[0].colour: unknown key" in result.stderr


def test_run_refuses_a_broken_sources_file_before_anything_runs(cli_env, tmp_path: Path):
    broken = tmp_path / "sources.yaml"
    broken.write_text("sources: [\n")
    result = run_cli("run", "--once", "--sources", str(broken), env=cli_env, timeout=60)
    assert result.returncode == 2 and f"{broken}:" in result.stderr
    assert not (tmp_path / "data" / "newswatch.db").exists()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "NEWSWATCH_DATABASE_URL",
            "mysql://db.example/news",
            "NEWSWATCH_DATABASE_URL: 'mysql' is not a store newswatch runs on",
        ),
        (
            "NEWSWATCH_PREFECT_PORT",
            "http",
            "NEWSWATCH_PREFECT_PORT: Input should be a valid integer",
        ),
    ],
)
def test_a_bad_setting_is_named_in_one_line_before_anything_runs(
    cli_env, tmp_path: Path, variable, value, message
):
    result = run_cli("run", "--once", env={**cli_env, variable: value}, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith(f"newswatch: bad setting:\n{message}"), result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()


def test_a_plain_postgresql_url_means_the_installed_driver():
    from newswatch.settings import Settings

    settings = Settings(database_url="postgresql://news@db.example/newswatch")
    assert settings.resolved_database_url == "postgresql+psycopg://news@db.example/newswatch"


@pytest.mark.slow
def test_serve_starts_a_local_prefect_server_and_schedules_the_deployment(cli_env, tmp_path: Path):
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - {name: A, url: 'http://127.0.0.1:9/feed'}\nschedule: {interval: 2h}\n"
    )
    cli_env["NEWSWATCH_PREFECT_PORT"] = str(port)
    del cli_env["PREFECT_HOME"]  # newswatch must put it under its data directory by itself
    process = subprocess.Popen(
        [*NEWSWATCH, "serve", "--sources", str(sources)],
        cwd=REPO,
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 150
        deployment = None
        while time.monotonic() < deadline and deployment is None:
            assert process.poll() is None, process.stdout.read()[-3000:] if process.stdout else ""
            try:
                response = httpx.get(f"{api}/deployments/name/newswatch-poll/newswatch", timeout=5)
                deployment = response.json() if response.status_code == 200 else None
            except httpx.HTTPError:
                pass
            time.sleep(1)
        assert deployment is not None, "the deployment never appeared on the local server"
        assert deployment["schedules"][0]["schedule"]["interval"] == 7200
        assert deployment["parameters"]["sources"] == str(sources.resolve())
        # Prefect's own database lives in the data directory, not in ~/.prefect.
        assert list((tmp_path / "data" / "prefect").glob("*.db"))
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_detect_on_a_missing_file_says_so_in_one_line(cli_env, tmp_path: Path):
    missing = tmp_path / "nowhere.html"
    for args in (("detect", str(missing)), ("detect", "--corpus", str(missing))):
        result = run_cli(*args, env=cli_env, timeout=60)
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and str(missing) in lines[0], result.stderr


def test_output_piped_into_head_ends_without_a_traceback(cli_env, tmp_path: Path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        "".join(
            json.dumps({"id": f"a{i}", "title": "Weather", "text": "Rain is expected today."})
            + "\n"
            for i in range(3000)
        )
    )
    pipeline = subprocess.run(
        f"{sys.executable} -m flows.cli detect --corpus {corpus} | head -n 1",
        shell=True,
        cwd=REPO,
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert pipeline.stdout.startswith('{"id": "a0"')
    assert "Traceback" not in pipeline.stderr and "BrokenPipe" not in pipeline.stderr, (
        pipeline.stderr
    )


# Sends the process Ctrl+C (SIGINT) from inside the console script's own imports, the moment
# `newswatch.config` starts loading: a user pressing Ctrl+C right after typing the command.
_CTRL_C_WHILE_IMPORTING = """
import importlib.abc, os, signal, sys
class CtrlC(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "newswatch.config":
            os.kill(os.getpid(), signal.SIGINT)
        return None
sys.meta_path.insert(0, CtrlC())
from flows.cli import main
sys.exit(main(["--help"]))
"""


def test_ctrl_c_while_the_command_is_still_starting_exits_without_a_traceback(cli_env):
    result = subprocess.run(
        [sys.executable, "-c", _CTRL_C_WHILE_IMPORTING],
        cwd=REPO,
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 130, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "KeyboardInterrupt" not in result.stderr


def test_help_is_written_for_users(cli_env):
    result = run_cli("--help", env=cli_env, timeout=60)
    assert result.returncode == 0
    for words in ("newswatch serve", "run --once", "sources check", "Exit status"):
        assert words in result.stdout


@pytest.mark.parametrize("command", [["run", "--once"], ["serve"], ["demo"]])
def test_polling_commands_need_the_flow_the_console_script_hands_over(command, capsys) -> None:
    from newswatch.cli import main

    # newswatch never imports flows: without the hand-over (flows/cli.py) these say so.
    assert main(command) == 2
    err = capsys.readouterr().err
    assert f"newswatch {command[0]}: this command runs the Prefect flow" in err
    assert "python -m flows.cli" in err
