"""Signed intake of escalations, shared by `/v1/escalations` and the platform adapters:
verify the Standard Webhooks signature, map the body, store it idempotently."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pydantic import ValidationError

from cxsidebar.core import ErrorDetail, Escalation, EscalationAccepted
from cxsidebar.hub.adapters import PayloadError
from cxsidebar.hub.errors import HubError, validation_error
from cxsidebar.hub.ratelimit import IntakeLimiter, retry_after_header
from cxsidebar.hub.rotation import verify_signed_by
from cxsidebar.hub.settings import HubSettings
from cxsidebar.hub.signing import SignatureError
from cxsidebar.hub.storage import ConflictError, HubStorage

Parse = Callable[[bytes], Escalation]


def parse_v1(body: bytes) -> Escalation:
    return Escalation.model_validate_json(body)


def accept_signed(
    storage: HubStorage,
    settings: HubSettings,
    body: bytes,
    headers: Mapping[str, str],
    parse: Parse = parse_v1,
    limiter: IntakeLimiter | None = None,
) -> EscalationAccepted:
    """Verify, parse, store: blocking, so it runs in a worker thread.

    401 for a bad signature, 429 for a source over its rate (`limiter`, checked once
    the signature names the source), 422 naming the field for a body `parse` refuses
    (a pydantic `ValidationError` or an adapter's `PayloadError`), 409 for a
    known escalation id with a different body.
    """
    try:
        webhook_id, source = verify_signed_by(
            body,
            headers,
            storage.signing_keys(),
            tolerance_seconds=settings.signature_tolerance_seconds,
        )
    except SignatureError as error:
        raise HubError(401, str(error)) from None
    wait = limiter.take(source) if limiter is not None else None
    if wait is not None:
        raise HubError(
            429,
            f"the source {source!r} sends faster than this hub accepts; retry later",
            headers=retry_after_header(wait),
        )
    try:
        escalation = parse(body)
    except ValidationError as error:
        raise validation_error(error) from None
    except PayloadError as error:
        details = [ErrorDetail(field=name, message=message) for name, message in error.details]
        raise HubError(
            422, "the payload cannot be mapped to a v1 escalation", details=details
        ) from None
    try:
        return storage.accept_escalation(escalation, webhook_id)
    except ConflictError as error:
        raise HubError(409, str(error)) from None
