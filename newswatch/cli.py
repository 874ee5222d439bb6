"""The `newswatch` command. Other tools drive these names; keep them stable.

newswatch run --once [--sources PATH]    one poll, then exit
newswatch serve [--sources PATH]         Prefect server (local unless PREFECT_API_URL) + schedule
newswatch sources check [PATH]           validate sources.yaml; exit 2 with file:line messages
newswatch detect PATH|URL|- [--format text|json]
newswatch detect --corpus FILE.jsonl     one JSON line of detections per input line
newswatch evaluate FILE.jsonl            precision / recall / F1 per event type
newswatch demo                           the bundled sample world, offline, dry-run alerts
newswatch listen                         analysts' answers from Slack buttons (SLACK_APP_TOKEN)
newswatch mutes [list|lift ID]           the mutes set from Slack
newswatch feedback export FILE.jsonl     judged articles as a corpus `newswatch evaluate` reads
"""

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
from newswatch.settings import Settings

EXIT_CONFIG = 2


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("httpx", "httpcore", "trafilatura", "htmldate", "courlan", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return int(args.handler(args) or 0)
    except ConfigError as error:
        print(f"newswatch: configuration error:\n{error}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newswatch", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="poll the sources (once with --once)")
    run.add_argument("--once", action="store_true", help="run exactly one poll and exit")
    run.add_argument("--sources", type=Path, help="sources file (default: sources.yaml)")
    run.add_argument("--tag", action="append", dest="tags", help="only sources with this tag")
    run.set_defaults(handler=_run)

    serve = commands.add_parser("serve", help="serve the scheduled deployment")
    serve.add_argument("--sources", type=Path)
    serve.add_argument("--tag", action="append", dest="tags")
    serve.add_argument("--interval", help="override schedule.interval, e.g. 5m")
    serve.set_defaults(handler=_serve)

    sources = commands.add_parser("sources", help="work with sources.yaml")
    sources_commands = sources.add_subparsers(dest="sources_command", required=True)
    check = sources_commands.add_parser("check", help="validate a sources file")
    check.add_argument("path", nargs="?", type=Path)
    check.set_defaults(handler=_sources_check)

    detect = commands.add_parser("detect", help="run the detectors on a document")
    detect.add_argument("input", nargs="?", help="file path, http(s) URL, or - for stdin")
    detect.add_argument("--format", choices=["text", "json"], default="text")
    detect.add_argument("--lang", help="language code (default: detected)")
    detect.add_argument("--corpus", type=Path, help="JSON lines with id, title, text")
    detect.set_defaults(handler=_detect)

    evaluate = commands.add_parser("evaluate", help="score the detectors on a labelled corpus")
    evaluate.add_argument("path", type=Path)
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

    demo = commands.add_parser("demo", help="run one poll over the bundled sample world")
    demo.add_argument(
        "--port", type=int, default=int(os.environ.get("NEWSWATCH_DEMO_PORT", "8765"))
    )
    demo.set_defaults(handler=_demo)
    return parser


def _settings() -> Settings:
    settings = Settings()
    configure_prefect_env(settings.data_dir)
    return settings


def _run(args: argparse.Namespace) -> int:
    settings = _settings()
    sources = args.sources or settings.sources
    config = load_sources(sources)  # fail fast, before Prefect starts
    from flows.monitor import poll

    while True:
        summary = asyncio.run(poll(sources=str(sources), tags=args.tags))
        _print_summary(summary)
        if args.once:
            return 0
        time.sleep(config.schedule.interval.total_seconds())


def _print_summary(summary: dict) -> None:
    failed = [s for s in summary["sources"] if s["status"] == "error"]
    print(
        f"newswatch: {len(summary['sources'])} sources ({len(failed)} failing), "
        f"{summary['articles']} new articles, {len(summary['detections'])} detections, "
        f"{summary['alerts_sent']} alerts sent, {summary['alerts_pending']} pending"
    )
    for source in failed:
        print(f"  source {source['name']!r} failed: {source['error']}", file=sys.stderr)
    for channel, error in summary["blocked_channels"].items():
        print(f"  Slack refused {channel}: {error} (alerts kept pending)", file=sys.stderr)


def _serve(args: argparse.Namespace) -> int:
    settings = _settings()
    sources = args.sources or settings.sources
    config = load_sources(sources)
    from newswatch.config import parse_duration
    from newswatch.serve import serve

    interval = parse_duration(args.interval) if args.interval else config.schedule.interval
    return serve(settings, sources=sources, interval=interval, tags=args.tags)


def _sources_check(args: argparse.Namespace) -> int:
    path = args.path or Settings().sources
    config = load_sources(path)
    enabled = len(config.enabled_sources)
    print(
        f"{path}: OK — {len(config.sources)} sources ({enabled} enabled), "
        f"schedule every {config.schedule.interval}"
    )
    return 0


def _detect(args: argparse.Namespace) -> int:
    import detectors
    from newswatch.evaluate import detections_to_json

    if args.corpus:
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
    title, text = _read_document(args.input)
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
    head = raw[:2000].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
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
    from newswatch.evaluate import main as evaluate_main

    return evaluate_main([str(args.path)])


def _feedback_listen() -> int:
    from newswatch.listener import listen

    return listen(Settings())


def _feedback_mutes(args: argparse.Namespace) -> int:
    from newswatch.feedback import mutes_command

    return mutes_command(Settings().resolved_database_url, args.action, args.mute_id)


def _feedback_export(args: argparse.Namespace) -> int:
    from newswatch.feedback import export_command

    return export_command(Settings().resolved_database_url, args.path)


def _demo(args: argparse.Namespace) -> int:
    from newswatch.demo.run import run_demo

    return run_demo(port=args.port)


if __name__ == "__main__":
    sys.exit(main())
