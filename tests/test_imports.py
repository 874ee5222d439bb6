"""The packages and stages depend one way (README: Layout). Read from the source with ast, so a
late `import` inside a function counts as much as one at the top of a module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The order a newcomer reads the house in; a module may import its own rank and earlier ones.
# Modules that are not stages sit beside the stage that needs them (see the comments).
RANK = {
    # the hall and the house services every stage may use: values, settings, the database
    "newswatch": 0,
    "newswatch.models": 0,
    "newswatch.settings": 0,
    "newswatch.store": 0,
    "newswatch.runlock": 0,
    "newswatch.prefect_env": 0,
    "newswatch.prefect_server": 0,
    "newswatch.redact": 0,  # secrets out of every log line and stored text
    "newswatch.offload": 0,  # bounded worker processes for CPU work
    "detectors.types": 0,  # the detection types, which newswatch.models re-exports
    "newswatch.config": 1,
    "newswatch.fetch": 2,
    "newswatch.netguard": 2,  # the fetcher's address guard
    "newswatch.sniff": 2,  # what a fetched body is (HTML, PDF, …)
    "newswatch.feeds": 3,
    "newswatch.extract": 4,
    "detectors": 5,
    "newswatch.pipeline": 5,  # one source through fetch -> feeds -> extract -> detectors
    "newswatch.analysis": 5,  # extract + detect for one page, in the extraction workers
    "newswatch.pool_preload": 5,  # what the extraction pool's fork server loads once
    # what grouping consults and renders: mutes and the alert messages
    "newswatch.feedback_blocks": 6,
    "newswatch.feedback": 6,
    "newswatch.render": 6,  # the alert messages (Block Kit)
    "newswatch.developments": 6,
    # the outbox's owner: developments (and health, digest) write through it, delivery reads
    "newswatch.outbox": 6,
    # further writers of the outbox
    "newswatch.health": 7,
    "newswatch.digest": 7,
    "newswatch.delivery": 8,
    "newswatch.sinks": 8,  # where messages go: Slack, or the dry-run file
    # after the stages: what reads their results, and the entry points
    "newswatch.listener": 9,
    "newswatch.report": 9,
    "newswatch.alerting": 9,  # grouping and early alerts as the run's pages come in
    "newswatch.evaluate": 9,
    "newswatch.serve": 9,
    "newswatch.demo": 9,
    "newswatch.cli": 10,
    "newswatch.migrations": 10,  # alembic's entry: imports every module that declares a table
}
PACKAGES = ("newswatch", "detectors", "flows")


def _modules(package: str) -> dict[str, Path]:
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = {m for package in PACKAGES for m in _modules(package)}


def _imports(path: Path) -> set[str]:
    """Every project module the file imports, anywhere in it."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # `from newswatch import feedback` imports the module newswatch.feedback
            names |= {f"{node.module}.{alias.name}" for alias in node.names} & MODULES
    return {n for n in names if n.split(".")[0] in PACKAGES}


def _rank(module: str) -> int | None:
    """The rank of a module, or of the closest ranked package it belongs to."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        if (name := ".".join(parts[:end])) in RANK:
            if name == "newswatch" and len(parts) > 1 and module not in RANK:
                return None  # a newswatch module nobody ranked yet
            return RANK[name]
    return None


def test_detectors_import_nothing_from_newswatch_or_flows() -> None:
    offending = {
        f"{module} imports {name}"
        for module, path in _modules("detectors").items()
        for name in _imports(path)
        if name.split(".")[0] != "detectors"
    }
    assert not offending, "detectors/ stands alone: " + "; ".join(sorted(offending))


def test_newswatch_never_imports_flows() -> None:
    offending = {
        f"{module} imports {name}"
        for module, path in _modules("newswatch").items()
        for name in _imports(path)
        if name.split(".")[0] == "flows"
    }
    assert not offending, "flows/ wires newswatch, never the reverse: " + "; ".join(
        sorted(offending)
    )


def test_every_newswatch_module_has_a_place_in_the_order() -> None:
    unplaced = [m for m in _modules("newswatch") if _rank(m) is None]
    assert not unplaced, f"add to RANK in tests/test_imports.py (and the README layout): {unplaced}"


def test_no_stage_imports_a_later_stage() -> None:
    backwards = []
    for module, path in _modules("newswatch").items():
        own = _rank(module)
        for name in _imports(path):
            other = _rank(name)
            if own is not None and other is not None and other > own:
                backwards.append(f"{module} ({own}) imports {name} ({other})")
    assert not backwards, "imports against the stage order: " + "; ".join(sorted(backwards))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from newswatch.delivery import deliver_pending", {"newswatch.delivery"}),
        ("def f():\n    import flows.monitor", {"flows.monitor"}),
        ("from newswatch import feedback", {"newswatch", "newswatch.feedback"}),
        ("import json\nfrom . import x", set()),
    ],
)
def test_imports_are_read_wherever_they_stand(tmp_path: Path, source: str, expected: set) -> None:
    path = tmp_path / "m.py"
    path.write_text(source, encoding="utf-8")
    assert _imports(path) == expected
    assert _rank("newswatch.developments") == 6 and _rank("newswatch.demo.site") == 9
    assert _rank("newswatch.unheard_of") is None


def test_a_quiet_poll_loads_no_heavy_library(tmp_path: Path) -> None:
    """A scheduled run is a fresh process: loading the flow and opening a store that is
    already migrated must not import what only new pages, changed feeds, grouping or Slack
    need (each costs a tenth of a second or more of every quiet run)."""
    import subprocess
    import sys

    from newswatch.store import Store

    url = f"sqlite:///{tmp_path / 'store.db'}"
    Store(url).dispose()  # migrated here, so the fresh process finds it at head
    heavy = ["trafilatura", "datasketch", "scipy", "feedparser", "slack_sdk", "alembic"]
    heavy += ["py3langid", "numpy"]  # the language model: only the extraction workers use it
    code = (
        "import sys, flows.monitor\n"
        "from newswatch.store import Store\n"
        f"Store({url!r}).dispose()\n"
        f"print([m for m in {heavy!r} if m in sys.modules])\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"
