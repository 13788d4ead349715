"""`cxsidebar-hub`: serve the hub, add bot sources, create tokens."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from cxsidebar.hub.adapters import AdaptersConfig, AdaptersConfigError, load_adapters_config
from cxsidebar.hub.app import create_app
from cxsidebar.hub.events import EventBroker
from cxsidebar.hub.server import hub_server
from cxsidebar.hub.settings import HubSettings
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
        hub_server(app, host=args.host, port=args.port, log_level=args.log_level).run()
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
        "--llm-raw-queues",
        default="",
        metavar="A,B",
        help="queues whose transcripts may reach the LLM without PII redaction",
    )
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    serve.set_defaults(func=_serve)

    sources = commands.add_parser("sources", help="bot sources and their signing secrets")
    source_commands = sources.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = source_commands.add_parser("add", help="add a source; prints its whsec_ secret last")
    add.add_argument("name")
    add.add_argument("--db", required=True, help=db_help)
    add.set_defaults(func=_add_source)

    tokens = commands.add_parser("tokens", help="bearer tokens for sidebars and admins")
    token_commands = tokens.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = token_commands.add_parser("create", help="create a token; prints it last")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--name", required=True, help="the agent's display name")
    create.add_argument("--queues", default="", help="comma-separated; empty: every queue")
    create.add_argument("--db", required=True, help=db_help)
    create.set_defaults(func=_create_token)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        logging.basicConfig(
            level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
        )
    try:
        code: int = args.func(args)
    except UsageError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return USAGE_ERROR
    return code
