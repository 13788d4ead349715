"""`cxsidebar-hub`: serve the hub, add bot sources, create tokens."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from cxsidebar.hub import rating_generator
from cxsidebar.hub.adapters import AdaptersConfig, AdaptersConfigError, load_adapters_config
from cxsidebar.hub.app import create_app
from cxsidebar.hub.events import EventBroker
from cxsidebar.hub.logs import configure_logging
from cxsidebar.hub.metrics import MetricsAccess
from cxsidebar.hub.retention import purge_older_than
from cxsidebar.hub.server import hub_server
from cxsidebar.hub.settings import HubSettings
from cxsidebar.hub.sql_ops import UnknownSourceError
from cxsidebar.hub.storage import ConflictError, HubStorage, Role, StorageURLError, open_storage
from cxsidebar.hub.summarise import LLMSettings

PROG = "cxsidebar-hub"
USAGE_ERROR = 2


class UsageError(Exception):
    """A problem with what was asked; printed to stderr, exit code 2."""


def _open(url: str) -> HubStorage:
    try:
        return open_storage(url)
    except StorageURLError as error:
        raise UsageError(f"--db: {error}") from None


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected more than 0 seconds, got {text!r}")
    return value


def _llm_settings(args: argparse.Namespace) -> LLMSettings | None:
    """Flags over CXSIDEBAR_LLM_* variables; both a URL and a model switch the LLM on."""
    env = dict(os.environ)
    if args.llm_base_url:
        env["CXSIDEBAR_LLM_BASE_URL"] = args.llm_base_url
    if args.llm_model:
        env["CXSIDEBAR_LLM_MODEL"] = args.llm_model
    if args.llm_stream:
        env["CXSIDEBAR_LLM_STREAM"] = "1"
    if args.llm_ca_bundle:
        env["CXSIDEBAR_LLM_CA_BUNDLE"] = args.llm_ca_bundle
    if bool(env.get("CXSIDEBAR_LLM_BASE_URL")) != bool(env.get("CXSIDEBAR_LLM_MODEL")):
        raise UsageError("LLM summaries need both --llm-base-url and --llm-model")
    return LLMSettings.from_env(env)


def _serve(args: argparse.Namespace) -> int:
    try:
        adapters = (
            load_adapters_config(args.adapters_config) if args.adapters_config else AdaptersConfig()
        )
    except AdaptersConfigError as error:
        raise UsageError(f"--adapters-config: {error}") from None
    try:
        settings = HubSettings(
            heartbeat_seconds=args.heartbeat,
            max_body_bytes=args.max_body_bytes,
            adapters=adapters,
            summaries=args.summaries,
            llm=_llm_settings(args),
            llm_raw_queues=frozenset(
                q.strip() for q in args.llm_raw_queues.split(",") if q.strip()
            ),
            metrics_access=MetricsAccess(args.metrics_access),
            retention_days=args.retention_days,
            retention_interval_seconds=args.retention_interval,
            intake_rate_per_second=args.intake_rate,
            intake_burst=args.intake_burst,
        )
    except ValueError as error:
        raise UsageError(str(error)) from None
    storage = _open(args.db)
    signalled: list[int] = []

    def remember(signum: int, frame: FrameType | None) -> None:
        signalled.append(signum)

    # uvicorn handles SIGINT/SIGTERM while it serves, shuts down gracefully and
    # then re-raises the signal to the handler it found. This handler makes
    # that last step a no-op, so the storage is closed and the exit code is 0.
    previous = {sig: signal.signal(sig, remember) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        app = create_app(storage, settings, broker=EventBroker())
        if signalled:  # asked to stop before uvicorn took over the signals
            return 0
        hub_server(
            app,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            own_logging=True,
        ).run()
    finally:
        storage.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _add_source(args: argparse.Namespace) -> int:
    storage = _open(args.db)
    try:
        secret = storage.add_source(args.name)
    except (ConflictError, ValueError) as error:
        raise UsageError(str(error)) from None
    finally:
        storage.close()
    print(f"Added the bot source {args.name!r}. Sign its deliveries with this secret:")
    print(secret)
    return 0


def _rotate_source(args: argparse.Namespace) -> int:
    storage = _open(args.db)
    try:
        if args.finish:
            storage.finish_rotation(args.name)
        else:
            rotation = storage.rotate_source(args.name, args.grace_hours * 3600)
    except UnknownSourceError as error:
        raise UsageError(str(error)) from None
    finally:
        storage.close()
    if args.finish:
        print(f"Finished the rotation of {args.name!r}: only its new secret is valid now.")
        return 0
    expires = rotation.previous_expires_at
    until = expires.strftime("%Y-%m-%d %H:%M UTC") if expires else "now"
    print(
        f"Rotated the secret of {args.name!r}. The previous secret stays valid until {until} "
        "(or `sources rotate --finish`). Sign its deliveries with this secret:"
    )
    print(rotation.secret)
    return 0


def _purge(args: argparse.Namespace) -> int:
    storage = _open(args.db)
    try:
        report = purge_older_than(storage, args.older_than_days)
    finally:
        storage.close()
    print(
        f"Purged transcripts older than {args.older_than_days:g} days: "
        f"{report.escalations} escalations, {report.snapshots} context snapshots, "
        f"{report.events} events, {report.deliveries} webhook deliveries. Ratings are kept."
    )
    return 0


def _create_token(args: argparse.Namespace) -> int:
    queues = [q.strip() for q in (args.queues or "").split(",") if q.strip()]
    storage = _open(args.db)
    try:
        token = storage.create_token(args.role, args.name, queues)
    except ValueError as error:
        raise UsageError(str(error)) from None
    finally:
        storage.close()
    where = ", ".join(queues) if queues else "every queue"
    print(
        f"Created a token with the {args.role} role for {args.name!r} ({where}). "
        "The hub keeps only its SHA-256; store the token now:"
    )
    print(token)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    db_help = (
        "the database URL: sqlite:///relative/path, sqlite:////absolute/path "
        "or postgresql://user:password@host:port/database"
    )

    serve = commands.add_parser("serve", help="run the hub")
    serve.add_argument("--db", required=True, help=db_help)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8700)
    serve.add_argument(
        "--heartbeat",
        type=_positive,
        default=HubSettings.heartbeat_seconds,
        help="seconds of silence before an event stream sends ': ping' (default %(default)s)",
    )
    serve.add_argument(
        "--max-body-bytes",
        type=int,
        default=HubSettings.max_body_bytes,
        help="largest request body accepted (default %(default)s)",
    )
    serve.add_argument(
        "--adapters-config",
        type=Path,
        default=None,
        metavar="FILE",
        help="TOML file: per-platform queues, routing rules, inference (docs/adapters.md)",
    )
    serve.add_argument(
        "--no-summaries",
        dest="summaries",
        action="store_false",
        help="do not summarise escalations (default: summarise after intake)",
    )
    serve.add_argument(
        "--llm-base-url",
        metavar="URL",
        help="an OpenAI-compatible endpoint for LLM summaries, e.g. http://127.0.0.1:11434/v1 "
        "(or CXSIDEBAR_LLM_BASE_URL; the key comes from CXSIDEBAR_LLM_API_KEY); "
        "without one, summaries are extractive",
    )
    serve.add_argument("--llm-model", metavar="NAME", help="the model (or CXSIDEBAR_LLM_MODEL)")
    serve.add_argument(
        "--llm-stream",
        action="store_true",
        help="stream the model's answer and show it in the sidebars while it is written "
        "(or CXSIDEBAR_LLM_STREAM=1)",
    )
    serve.add_argument(
        "--llm-ca-bundle",
        metavar="PEM",
        help="extra CA certificates to trust for the LLM endpoint, besides the system's "
        "(or CXSIDEBAR_LLM_CA_BUNDLE); proxies come from HTTPS_PROXY / NO_PROXY",
    )
    serve.add_argument(
        "--llm-raw-queues",
        default="",
        metavar="A,B",
        help="queues whose transcripts may reach the LLM without PII redaction",
    )
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    serve.add_argument(
        "--log-format",
        default="json",
        choices=["json", "text"],
        help="JSON lines without PII (default), or plain text for a terminal",
    )
    serve.add_argument(
        "--metrics-access",
        default=MetricsAccess.ADMIN.value,
        choices=[a.value for a in MetricsAccess],
        help="who may read /metrics: a token of at least that role, anyone, or nobody "
        "(default %(default)s)",
    )
    serve.add_argument(
        "--retention-days",
        type=_positive,
        default=None,
        metavar="DAYS",
        help="purge transcript text of escalations older than DAYS (default: keep)",
    )
    serve.add_argument(
        "--retention-interval",
        type=_positive,
        default=HubSettings.retention_interval_seconds,
        metavar="SECONDS",
        help="seconds between retention runs (default %(default)s)",
    )
    serve.add_argument(
        "--intake-rate",
        type=_positive,
        default=None,
        metavar="PER_SECOND",
        help="escalations a second each bot source may post, per worker (default: unlimited)",
    )
    serve.add_argument(
        "--intake-burst",
        type=int,
        default=HubSettings.intake_burst,
        help="escalations a source may post at once above its rate (default %(default)s)",
    )
    serve.set_defaults(func=_serve)

    sources = commands.add_parser("sources", help="bot sources and their signing secrets")
    source_commands = sources.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = source_commands.add_parser("add", help="add a source; prints its whsec_ secret last")
    add.add_argument("name")
    add.add_argument("--db", required=True, help=db_help)
    add.set_defaults(func=_add_source)
    rotate = source_commands.add_parser(
        "rotate", help="give a source a new secret; the old one stays valid for a while"
    )
    rotate.add_argument("name")
    rotate.add_argument("--db", required=True, help=db_help)
    rotate.add_argument(
        "--grace-hours",
        type=_positive,
        default=24.0,
        help="hours the previous secret stays valid (default %(default)s)",
    )
    rotate.add_argument(
        "--finish", action="store_true", help="end the rotation: the previous secret stops now"
    )
    rotate.set_defaults(func=_rotate_source)

    purge = commands.add_parser("purge", help="purge transcript text older than N days")
    purge.add_argument("--db", required=True, help=db_help)
    purge.add_argument("--older-than-days", type=_positive, required=True, metavar="N")
    purge.set_defaults(func=_purge)

    tokens = commands.add_parser("tokens", help="bearer tokens for sidebars and admins")
    token_commands = tokens.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = token_commands.add_parser("create", help="create a token; prints it last")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--name", required=True, help="the agent's display name")
    create.add_argument("--queues", default="", help="comma-separated; empty: every queue")
    create.add_argument("--db", required=True, help=db_help)
    create.set_defaults(func=_create_token)

    rating_generator.add_command(commands, db_help)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        configure_logging(args.log_level, json_lines=args.log_format == "json")
    try:
        code: int = args.func(args)
    except UsageError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return USAGE_ERROR
    return code
