"""newswatch: watches news feeds and alerts in Slack when a security alliance starts to crack.

Everyday use:
  newswatch serve              the main job: Prefect server + UI, polls on the schedule
  newswatch run --once         poll now (through `serve`'s server when it runs: shows in its UI)
  newswatch sources check      check sources.yaml; every fault with file:line
  newswatch demo               one poll over bundled sample feeds, offline, alerts to the terminal

Analysts' answers from Slack (buttons on alerts, with SLACK_APP_TOKEN):
  newswatch listen             receive them (`serve` also does, beside the server)
  newswatch mutes [list|lift ID]   the mutes set from Slack
  newswatch feedback export FILE   judged articles as a corpus `newswatch evaluate` reads

Looking into detection:
  newswatch detect FILE|URL|-  what the detectors find in one article (HTML or text)
  newswatch evaluate FILE      precision and recall on a labelled corpus (JSON lines;
                               --part tuned|heldout, --explain for misses)

Settings come from environment variables (NEWSWATCH_DATA_DIR, SLACK_BOT_TOKEN, ...): see README.
Exit status: 0 ok, 1 the poll failed (see its message), 2 bad input or configuration,
75 another poll is running on this store.
"""

# Other tools drive these command names and exit codes: keep them stable.
# The console script is flows/cli.py: it hands the poll flow to `main` (newswatch never imports
# flows), so `run`, `serve` and `demo` work only when started through it.

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from pathlib import Path

from newswatch.config import ConfigError, load_sources
from newswatch.prefect_env import configure_prefect_env
from newswatch.prefect_server import PrefectServerError, prefect_api
from newswatch.runlock import EXIT_BUSY, PollBusy, poll_lock
from newswatch.serve import PollLoader
from newswatch.settings import Settings, SettingsError, load_settings
from newswatch.store import StoreUnavailable, named_store_errors

EXIT_CONFIG = 2


def main(argv: list[str] | None = None, *, load_poll: PollLoader | None = None) -> int:
    """The CLI. `load_poll` is the hand-over from flows/cli.py, for the commands that poll."""
    parser = _parser()
    args = parser.parse_args(argv)
    if getattr(args, "needs_flow", False) and load_poll is None:
        print(
            f"newswatch {args.command}: this command runs the Prefect flow; start it with the "
            "`newswatch` command (python -m flows.cli)",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    args.load_poll = load_poll
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in (
        "alembic",
        "httpx",
        "httpcore",
        "trafilatura",
        "htmldate",
        "courlan",
        "charset_normalizer",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return int(args.handler(args) or 0)
    except ConfigError as error:
        print(f"newswatch: configuration error:\n{error}", file=sys.stderr)
        return EXIT_CONFIG
    except SettingsError as error:
        print(f"newswatch: bad setting:\n{error}", file=sys.stderr)
        return EXIT_CONFIG
    except PollBusy as busy:
        print(f"newswatch: {busy}; not starting another (exit {EXIT_BUSY})", file=sys.stderr)
        return EXIT_BUSY
    except PrefectServerError as error:
        print(f"newswatch: {error}", file=sys.stderr)
        return 1
    except StoreUnavailable as error:  # full, read-only, gone or unreachable: one line
        print(f"newswatch: {error}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # Output piped into `head` and closed early: not an error, and no traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as error:  # an unwritable data directory, a full disk: the path says where
        print(f"newswatch: {error.strerror or error}: {error.filename or ''}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newswatch", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        help="poll the sources now (--once), or every schedule.interval without serve",
        description="Poll every enabled source, detect new developments, send their alerts. "
        "When `newswatch serve` runs on the same data directory the poll goes through its "
        "server and shows in its UI; otherwise a temporary local server is started.",
    )
    run.add_argument("--once", action="store_true", help="one poll, then exit")
    run.add_argument("--sources", type=Path, help="the sources file (default: sources.yaml)")
    run.add_argument(
        "--tag", action="append", dest="tags", help="only sources with this tag (repeatable)"
    )
    run.set_defaults(handler=_run, needs_flow=True)

    serve = commands.add_parser(
        "serve",
        help="the main job: Prefect server and UI, polls on the schedule",
        description="Start a local Prefect server with its UI (http://127.0.0.1:4200, or "
        "NEWSWATCH_PREFECT_PORT) and poll on the schedule from sources.yaml until stopped "
        "with Ctrl+C. With PREFECT_API_URL set, use that server instead.",
    )
    serve.add_argument("--sources", type=Path, help="the sources file (default: sources.yaml)")
    serve.add_argument(
        "--tag", action="append", dest="tags", help="only sources with this tag (repeatable)"
    )
    serve.add_argument("--interval", help="poll this often instead of schedule.interval, e.g. 5m")
    serve.set_defaults(handler=_serve, needs_flow=True)

    sources = commands.add_parser("sources", help="check sources.yaml")
    sources_commands = sources.add_subparsers(dest="sources_command", required=True)
    check = sources_commands.add_parser(
        "check", help="validate a sources file: every fault with file:line, exit 2 if any"
    )
    check.add_argument("path", nargs="?", type=Path, help="default: sources.yaml")
    check.set_defaults(handler=_sources_check)

    detect = commands.add_parser(
        "detect", help="show what the detectors find in one article or a corpus"
    )
    detect.add_argument("input", nargs="?", help="an HTML or text file, an http(s) URL, or -")
    detect.add_argument("--format", choices=["text", "json"], default="text")
    detect.add_argument("--lang", help="the article's language, e.g. en, ru (default: detected)")
    detect.add_argument(
        "--corpus", type=Path, help="JSON lines with id, title, text: one result line each"
    )
    detect.set_defaults(handler=_detect)

    evaluate = commands.add_parser(
        "evaluate", help="precision, recall and F1 per event type on a labelled corpus"
    )
    evaluate.add_argument(
        "paths", nargs="+", type=Path, metavar="path", help="JSON lines with text and labels"
    )
    evaluate.add_argument(
        "--part",
        choices=["all", "tuned", "heldout"],
        default="all",
        help="the tuned or held-out part of the fixed split (held-out: scores only)",
    )
    evaluate.add_argument(
        "--explain",
        action="store_true",
        help="show, per miss and false alarm, the candidate sentences and near-miss rules",
    )
    evaluate.set_defaults(handler=_evaluate)

    # --- feedback from Slack (#12): listen, mutes, feedback export ---------------------------
    listen = commands.add_parser("listen", help="receive analysts' answers from Slack buttons")
    listen.set_defaults(handler=lambda _: _feedback_listen())
    mutes = commands.add_parser("mutes", help="list the active mutes, or lift one")
    mutes.add_argument("action", nargs="?", choices=["list", "lift"], default="list")
    mutes.add_argument("mute_id", nargs="?", type=int, metavar="ID")
    mutes.set_defaults(handler=_feedback_mutes)
    feedback_ = commands.add_parser("feedback", help="analysts' answers as evaluation data")
    feedback_commands = feedback_.add_subparsers(dest="feedback_command", required=True)
    export = feedback_commands.add_parser("export", help="judged articles as a labelled corpus")
    export.add_argument("path", type=Path, metavar="FILE.jsonl")
    export.set_defaults(handler=_feedback_export)

    demo = commands.add_parser(
        "demo", help="one poll over bundled sample feeds on 127.0.0.1, alerts to the terminal"
    )
    demo.add_argument(
        "--port", type=int, default=int(os.environ.get("NEWSWATCH_DEMO_PORT", "8765"))
    )
    demo.set_defaults(handler=_demo, needs_flow=True)
    return parser


def _settings() -> Settings:
    settings = load_settings()
    configure_prefect_env(settings.data_dir)
    return settings


def _run(args: argparse.Namespace) -> int:
    settings = _settings()
    sources = args.sources or settings.sources
    config = load_sources(sources)  # fail fast, before Prefect starts
    who = "newswatch run --once" if args.once else "newswatch run"
    database_url = settings.resolved_database_url
    if args.once:
        # The lock first: a second poll on this store says so at once, before any server starts.
        with (
            named_store_errors(database_url),
            poll_lock(database_url, who),
            prefect_api(settings.data_dir, settings.prefect_port),
        ):
            return _poll_once(args.load_poll, sources, args.tags)
    with prefect_api(settings.data_dir, settings.prefect_port):
        while True:
            try:
                with poll_lock(database_url, who):
                    _poll_once(args.load_poll, sources, args.tags)
            except PollBusy as busy:
                print(f"newswatch: {busy}; trying again at the next interval", file=sys.stderr)
            time.sleep(config.schedule.interval.total_seconds())


def _poll_once(load_poll: PollLoader, sources: Path, tags: list[str] | None) -> int:
    """One poll through the Prefect API already chosen; 0 when it completed, 1 when it failed."""
    poll = load_poll()
    state = asyncio.run(poll(sources=str(sources), tags=tags, return_state=True))
    summary = state.result(raise_on_failure=False)
    if isinstance(summary, dict) and "sources" in summary:
        _print_summary(summary)
    if state.is_failed():
        print(f"newswatch: the poll failed: {state.message}", file=sys.stderr)
        return 1
    return 0


def _print_summary(summary: dict) -> None:
    by_status: dict[str, list[dict]] = {}
    for source in summary["sources"]:
        by_status.setdefault(source["status"], []).append(source)
    ok = len(by_status.get("ok", [])) + len(by_status.get("not_modified", []))
    failing = by_status.get("error", [])
    skipped = by_status.get("skipped", [])
    print(
        f"newswatch: {len(summary['sources'])} sources ({ok} ok, {len(failing)} failing, "
        f"{len(skipped)} skipped while backing off), {summary['articles']} new articles, "
        f"{len(summary['detections'])} detections, {summary['alerts_sent']} alerts sent, "
        f"{summary['alerts_pending']} pending"
    )
    for source in failing:
        print(f"  source {source['name']!r} failed: {source['error']}", file=sys.stderr)
    for source in skipped:
        until = (source["next_poll_at"] or "")[:16].replace("T", " ")
        print(
            f"  source {source['name']!r} skipped: backing off after "
            f"{source['consecutive_failures']} failures, next try after {until} UTC",
            file=sys.stderr,
        )
    for channel, error in summary["blocked_channels"].items():
        print(f"  Slack refused {channel}: {error} (alerts kept pending)", file=sys.stderr)


def _serve(args: argparse.Namespace) -> int:
    from newswatch.config import MIN_POLL_INTERVAL, parse_duration
    from newswatch.serve import serve

    settings = _settings()
    sources = args.sources or settings.sources
    config = load_sources(sources)
    # NEWSWATCH_MIN_INTERVAL exists for the scheduling test only; news sites get ≥ 1 minute.
    minimum = os.environ.get("NEWSWATCH_MIN_INTERVAL")
    try:
        interval = parse_duration(args.interval) if args.interval else config.schedule.interval
        floor = parse_duration(minimum) if minimum else MIN_POLL_INTERVAL
    except ValueError as error:
        print(f"newswatch serve: --interval: {error}", file=sys.stderr)
        return EXIT_CONFIG
    if interval < floor:
        print(
            f"newswatch serve: --interval must be at least {floor.total_seconds():g}s",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    return serve(settings, args.load_poll, sources=sources, interval=interval, tags=args.tags)


def _sources_check(args: argparse.Namespace) -> int:
    path = args.path or load_settings().sources
    config = load_sources(path)
    enabled = len(config.enabled_sources)
    print(
        f"{path}: OK — {len(config.sources)} sources ({enabled} enabled), "
        f"schedule every {config.schedule.interval}"
    )
    return 0


def _detect(args: argparse.Namespace) -> int:
    import detectors
    from newswatch.evaluate import detections_to_json, parse_date

    if args.corpus:
        if not args.corpus.is_file():
            print(f"newswatch detect: no such file: {args.corpus}", file=sys.stderr)
            return EXIT_CONFIG
        with args.corpus.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    found = detectors.detect(
                        record.get("text", ""),
                        title=record.get("title", ""),
                        lang=record.get("lang"),
                        # The record's date, when given, dates "in 2023" as background.
                        published=parse_date(record.get("date")),
                    )
                except (json.JSONDecodeError, AttributeError) as error:
                    print(f"{args.corpus}:{number}: not a JSON object: {error}", file=sys.stderr)
                    return EXIT_CONFIG
                print(
                    json.dumps(
                        {
                            "id": record.get("id"),
                            "detections": [detections_to_json(d) for d in found],
                        },
                        ensure_ascii=False,
                    )
                )
        return 0
    if not args.input:
        print("newswatch detect: give a PATH, URL or - (or --corpus FILE)", file=sys.stderr)
        return EXIT_CONFIG
    from newswatch.fetch import FetchError

    try:
        title, text = _read_document(args.input)
    except (OSError, FetchError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        print(f"newswatch detect: cannot read {args.input}: {reason}", file=sys.stderr)
        return EXIT_CONFIG
    found = detectors.detect(text, title=title, lang=args.lang)
    if args.format == "json":
        print(
            json.dumps(
                {"title": title, "detections": [detections_to_json(d) for d in found]},
                ensure_ascii=False,
                indent=2,
            )
        )
    elif not found:
        print("no detections")
    else:
        for d in found:
            who = ", ".join(d.actors) + (f" → {d.target}" if d.target else "")
            print(f"{d.type} ({d.modality}, confidence {d.confidence:.2f}, rule {d.rule}): {who}")
            if d.reason:
                print(f"  reason: {d.reason}")
            print(f"  evidence: “{d.evidence}”")
    return 0


def _read_document(source: str) -> tuple[str, str]:
    """(title, text) from a file, URL or stdin; HTML goes through the extract stage."""
    if source == "-":
        raw = sys.stdin.buffer.read()
    elif source.startswith(("http://", "https://")):
        from newswatch.fetch import Fetcher

        async def fetch() -> bytes:
            async with Fetcher() as fetcher:
                return (await fetcher.get(source)).content

        raw = asyncio.run(fetch())
    else:
        raw = Path(source).read_bytes()
    from newswatch.sniff import looks_like_html

    if looks_like_html(raw):
        from newswatch.extract import extract_article
        from newswatch.models import FeedItem

        item = FeedItem(
            source="cli",
            item_id=source,
            url=source if "://" in source else None,
            title="",
            summary="",
        )
        article = extract_article(item, raw)
        return article.title, article.text
    return "", raw.decode("utf-8", errors="replace")


def _evaluate(args: argparse.Namespace) -> int:
    from newswatch.evaluate import run_cli

    return run_cli(args.paths, part=args.part, explain=args.explain)


def _feedback_listen() -> int:
    from newswatch.listener import listen

    return listen(load_settings())


def _feedback_mutes(args: argparse.Namespace) -> int:
    from newswatch.feedback import mutes_command

    return mutes_command(load_settings().resolved_database_url, args.action, args.mute_id)


def _feedback_export(args: argparse.Namespace) -> int:
    from newswatch.feedback import export_command

    return export_command(load_settings().resolved_database_url, args.path)


def _demo(args: argparse.Namespace) -> int:
    from newswatch.demo.run import run_demo

    return run_demo(args.load_poll, port=args.port)


if __name__ == "__main__":
    sys.exit(main())  # `sources`, `detect`, `evaluate`, …; the polling commands need flows/cli.py
