"""Shared test set-up: Prefect isolated in a temporary home with telemetry off, newswatch's
data directory and SQLite store per test, and the loopback servers (sample site, Slack)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Before anything imports prefect: never touch ~/.prefect, never phone home.
_PREFECT_HOME = tempfile.mkdtemp(prefix="newswatch-prefect-")
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.pop("PREFECT_API_URL", None)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def newswatch_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data directory and SQLite store; no Slack token unless a test sets one."""
    data = tmp_path / "data"
    monkeypatch.setenv("NEWSWATCH_DATA_DIR", str(data))
    monkeypatch.setenv("NEWSWATCH_DATABASE_URL", f"sqlite:///{data / 'newswatch.db'}")
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "NEWSWATCH_SLACK_APP_TOKEN",
        "NEWSWATCH_SLACK_CHANNEL",
        "NEWSWATCH_SLACK_API_URL",
        "NEWSWATCH_SOURCES",
    ):
        monkeypatch.delenv(name, raising=False)
    return data


@pytest.fixture
def sample_site() -> Iterator[SampleSite]:  # noqa: F821
    from newswatch.demo.site import SampleSite

    with SampleSite() as site:
        yield site


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:  # noqa: F821
    from tests.fixtures.slack_api import SlackStandIn

    with SlackStandIn() as stand_in:
        yield stand_in


@pytest.fixture
def sink(slack) -> SlackSink:  # noqa: F821
    """The Slack sink against the stand-in, which knows the channels ROUTED_CONFIG routes to."""
    from newswatch.sinks import SlackSink

    slack.state.channels.update({"C0ARMS0001": "arms", "C0CASI0001": "central-asia"})
    return SlackSink(slack.state.token, base_url=slack.base_url)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:  # noqa: F821
    """A SQLite store of the test's own (tests of another backend define their own)."""
    from newswatch.store import Store

    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    yield store
    store.dispose()


@pytest.fixture
def slack_env(slack, monkeypatch: pytest.MonkeyPatch, newswatch_env: Path):
    monkeypatch.setenv("SLACK_BOT_TOKEN", slack.state.token)
    monkeypatch.setenv("NEWSWATCH_SLACK_API_URL", slack.base_url)
    monkeypatch.setenv("NEWSWATCH_SLACK_CHANNEL", "#newswatch")
    return slack


# --- ../shared: the corpora and seeds beside the checkout -------------------------------------
# A test that reads them says so with @pytest.mark.needs_shared and gets its paths from
# `shared_path` (or tests/detectors' `shared_dir`). Without ../shared it fails, naming the
# missing path: a skip would let a machine without the corpora pass the gates silently.
SHARED_FIXTURES = frozenset({"shared_path", "shared_dir"})


def shared_file(relative: str = "") -> Path:
    """../shared/<relative>; fails (never skips) naming the path when it is not there."""
    path = SHARED / relative
    if not path.exists():
        pytest.fail(
            f"needs ../shared: {path} is missing (check out the shared folder beside the repo)",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def shared_path() -> Callable[[str], Path]:
    return shared_file


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    unmarked = [
        item.nodeid
        for item in items
        if SHARED_FIXTURES & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("needs_shared") is None
    ]
    if unmarked:
        raise pytest.UsageError(f"these tests read ../shared: mark them needs_shared: {unmarked}")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("needs_shared") is not None:
        shared_file()
