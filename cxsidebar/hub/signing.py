"""Standard Webhooks signing: what bots send and how the hub checks it.

The HMAC and its constant-time comparison are the `standardwebhooks`
package's; this module adds the pieces around it: several source secrets,
a tolerance that can be tightened, and errors that say what was wrong.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
MAX_WEBHOOK_ID_LENGTH = 256


class SignatureError(Exception):
    """The delivery is not signed by a known source; the message says why (for the 401)."""


def new_secret() -> str:
    """A new source secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def sign_headers(
    secret: str,
    body: bytes,
    *,
    msg_id: str | None = None,
    timestamp: datetime | None = None,
) -> dict[str, str]:
    """The `webhook-id`, `webhook-timestamp` and `webhook-signature` headers for `body`.

    `timestamp` defaults to now and must be timezone-aware; `msg_id` defaults
    to a fresh `msg_<uuid>`. A retry of the same delivery must reuse `msg_id`.
    """
    moment = datetime.now(UTC) if timestamp is None else timestamp
    if moment.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware")
    moment = moment.astimezone(UTC)  # the package assumes UTC without converting
    webhook_id = msg_id or f"msg_{uuid.uuid4().hex}"
    signature = Webhook(secret).sign(webhook_id, moment, body.decode("utf-8"))
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature,
    }


def verify_delivery(
    body: bytes,
    headers: Mapping[str, str],
    source_secrets: Sequence[str],
    *,
    tolerance_seconds: float,
) -> str:
    """Return the delivery's webhook id if any source's secret signed it; else `SignatureError`."""
    webhook_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signature = headers.get("webhook-signature", "")
    if not (webhook_id and timestamp and signature):
        raise SignatureError("missing webhook-id, webhook-timestamp or webhook-signature header")
    if len(webhook_id) > MAX_WEBHOOK_ID_LENGTH:
        raise SignatureError(f"webhook-id is longer than {MAX_WEBHOOK_ID_LENGTH} characters")
    try:
        sent = int(timestamp)
    except ValueError:
        raise SignatureError("webhook-timestamp is not a Unix time in seconds") from None
    skew = datetime.now(UTC).timestamp() - sent  # the package checks against the clock too
    if abs(skew) > tolerance_seconds:
        direction = "old" if skew > 0 else "far in the future"
        raise SignatureError(
            f"webhook-timestamp is too {direction} (more than {tolerance_seconds:g} s off)"
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise SignatureError("the body is not UTF-8, so its signature cannot be checked") from None
    checked = {
        "webhook-id": webhook_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": signature,
    }
    for secret in source_secrets:
        try:
            Webhook(secret).verify(text, checked, json_parse=False)
        except (WebhookVerificationError, ValueError):
            continue  # malformed signature lists raise ValueError inside the package
        return webhook_id
    raise SignatureError("no valid signature from a known source")
