"""The scripted bot: posts signed demo escalations to a hub, like a real bot platform would.

`python -m cxsidebar.demo.bot --hub http://127.0.0.1:8765 --secret whsec_...` posts one
escalation every few seconds until interrupted. `--format rasa` (or dialogflow-cx, lex-v2,
copilot-studio, chatwoot, botpress) speaks that platform's handoff format instead of v1, to
the hub's adapter endpoint. No Qt here: the demo runs it on a thread.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import httpx
from pydantic import ValidationError
from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook

from cxsidebar import core
from cxsidebar.demo.platforms import FORMATS, path, render
from cxsidebar.demo.scenarios import SCENARIOS, Scenario, scenario_cycle

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
SECRET_ENV = "CXSIDEBAR_BOT_SECRET"  # noqa: S105 - a variable name, not a secret


class BotPostError(RuntimeError):
    """The hub refused an escalation; `status` and `code` say how."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"hub answered {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _refusal(response: httpx.Response) -> BotPostError:
    try:
        info = core.ErrorEnvelope.model_validate_json(response.content).error
    except ValidationError:
        snippet = response.text[:200].strip() or response.reason_phrase
        return BotPostError(response.status_code, "unknown", snippet)
    return BotPostError(response.status_code, info.code, info.message)


class ScriptedBot:
    """Posts the scenarios round-robin to `POST {hub_url}/v1/escalations`, or, with a
    platform `format`, in that platform's format to `/v1/adapters/{format}/escalations`.

    `start` is the first sequence number, which makes the escalation ids; by default it is
    the current unix time, so a restarted bot never reuses an id a persistent hub has seen.
    """

    def __init__(
        self,
        hub_url: str,
        secret: str,
        *,
        interval: float = 6.0,
        scenarios: Sequence[Scenario] = SCENARIOS,
        http: httpx.Client | None = None,
        clock: Callable[[], datetime] = _utc_now,
        start: int | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        format: str = "v1",
    ) -> None:
        if format not in FORMATS:
            raise ValueError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
        if interval < 0:
            raise ValueError("interval must not be negative")
        if not scenarios:
            raise ValueError("no scenarios to post")
        self._url = hub_url.rstrip("/") + path(format)
        self._format = format
        self._webhook = Webhook(secret)
        self._interval = interval
        self._scenarios = tuple(scenarios)
        self._clock = clock
        self._timeout = timeout
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client(timeout=timeout)
        self._start = int(clock().timestamp()) if start is None else start

    def post(self, scenario: Scenario, seq: int) -> dict[str, Any]:
        """Post one escalation; returns the hub's `EscalationAccepted` as a dict.

        Raises `BotPostError` when the hub refuses it and `httpx.HTTPError` when it cannot
        be reached.
        """
        now = self._clock().astimezone(UTC)
        escalation = scenario.escalation(now, seq)
        if self._format == "v1":
            body = escalation.model_dump_json()
        else:
            body = json.dumps(render(self._format, escalation), ensure_ascii=False)
        msg_id = f"msg_{uuid.uuid4().hex}"
        headers = {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": self._webhook.sign(msg_id, now, body),
        }
        response = self._http.post(
            self._url, content=body.encode("utf-8"), headers=headers, timeout=self._timeout
        )
        if not response.is_success:
            raise _refusal(response)
        try:
            accepted = core.EscalationAccepted.model_validate_json(response.content)
        except ValidationError:
            snippet = response.text[:200]
            raise BotPostError(
                response.status_code, "bad_answer", f"not an EscalationAccepted: {snippet}"
            ) from None
        return accepted.model_dump(mode="json")

    def run(self, stop: threading.Event, limit: int | None = None) -> int:
        """Post every `interval` seconds until `stop` is set or `limit` posts were tried.

        A refused or failed post is logged and the next one follows as usual. Returns how many
        escalations the hub accepted.
        """
        accepted = 0
        cycle = scenario_cycle(self._start, scenarios=self._scenarios)
        for tried, (seq, scenario) in enumerate(cycle, 1):
            if stop.is_set() or (limit is not None and tried > limit):
                break
            try:
                answer = self.post(scenario, seq)
            except BotPostError as exc:
                log.warning("escalation %s-%s refused: %s", scenario.key, seq, exc)
            except httpx.HTTPError as exc:
                log.warning("escalation %s-%s not delivered: %r", scenario.key, seq, exc)
            else:
                accepted += 1
                log.info("escalation %s accepted as event %s", answer["id"], answer["event_id"])
            if (limit is not None and tried >= limit) or stop.wait(self._interval):
                break
        return accepted

    def close(self) -> None:
        """Close the HTTP client if this bot made it."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> ScriptedBot:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m cxsidebar.demo.bot",
        description="Post scripted, signed escalations to a cxsidebar hub.",
    )
    parser.add_argument("--hub", required=True, help="hub base URL, e.g. http://127.0.0.1:8765")
    parser.add_argument(
        "--secret",
        default=os.environ.get(SECRET_ENV),
        help=f"webhook secret whsec_... (default: ${SECRET_ENV})",
    )
    parser.add_argument("--interval", type=float, default=6.0, help="seconds between posts")
    parser.add_argument("--count", type=int, default=None, help="stop after this many posts")
    parser.add_argument("--start", type=int, default=None, help="first sequence number")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="v1",
        help="the payload format: v1, or a bot platform's own (default %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None, *, http: httpx.Client | None = None) -> int:
    """Run the bot from the command line; 0 when every post was accepted."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.secret:
        parser.error(f"--secret or ${SECRET_ENV} is required")
    if args.count is not None and args.count < 0:
        parser.error("--count must not be negative")
    if args.interval < 0:
        parser.error("--interval must not be negative")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stop = threading.Event()
    try:
        bot = ScriptedBot(
            args.hub,
            args.secret,
            interval=args.interval,
            http=http,
            start=args.start,
            format=args.format,
        )
    except (ValueError, EmptyWebhookSecretError) as exc:  # a malformed secret
        parser.error(f"cannot start the bot: {exc}")
    with bot:
        try:
            accepted = bot.run(stop, limit=args.count)
        except KeyboardInterrupt:
            return 130
    return 0 if args.count is None or accepted == args.count else 1


if __name__ == "__main__":
    raise SystemExit(main())
