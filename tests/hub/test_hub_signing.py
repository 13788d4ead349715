"""Standard Webhooks signing helpers, shared by the hub, the demo bot and tests."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from cxsidebar.hub.signing import SignatureError, new_secret, sign_headers, verify_delivery

BODY = b'{"id":"esc-1"}'


def test_new_secrets_are_whsec_and_32_random_bytes():
    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert new_secret() != secret


def test_signed_headers_verify():
    secret = new_secret()
    headers = sign_headers(secret, BODY, msg_id="msg_1")
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature"}
    assert headers["webhook-id"] == "msg_1"
    assert re.fullmatch(r"v1,[A-Za-z0-9+/]+=*", headers["webhook-signature"])
    assert verify_delivery(BODY, headers, [new_secret(), secret], tolerance_seconds=300) == "msg_1"


def test_a_fresh_id_is_made_when_none_is_given():
    secret = new_secret()
    first = sign_headers(secret, BODY)["webhook-id"]
    assert first.startswith("msg_")
    assert sign_headers(secret, BODY)["webhook-id"] != first


def test_timestamps_in_other_zones_are_converted_not_relabelled():
    secret = new_secret()
    moment = datetime.now(timezone(timedelta(hours=2)))
    headers = sign_headers(secret, BODY, msg_id="m", timestamp=moment)
    assert headers["webhook-timestamp"] == str(int(moment.timestamp()))
    assert verify_delivery(BODY, headers, [secret], tolerance_seconds=60) == "m"


def test_naive_timestamps_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        sign_headers(new_secret(), BODY, timestamp=datetime(2025, 3, 1, 12, 0))


def test_a_tightened_tolerance_applies():
    secret = new_secret()
    headers = sign_headers(secret, BODY, timestamp=datetime.now(UTC) - timedelta(seconds=90))
    assert verify_delivery(BODY, headers, [secret], tolerance_seconds=300)
    with pytest.raises(SignatureError, match="too old"):
        verify_delivery(BODY, headers, [secret], tolerance_seconds=60)


def test_a_very_long_webhook_id_is_refused():
    secret = new_secret()
    headers = sign_headers(secret, BODY, msg_id="m" * 300)
    with pytest.raises(SignatureError, match="longer than 256"):
        verify_delivery(BODY, headers, [secret], tolerance_seconds=300)


def test_no_sources_means_no_valid_signature():
    headers = sign_headers(new_secret(), BODY)
    with pytest.raises(SignatureError, match="no valid signature"):
        verify_delivery(BODY, headers, [], tolerance_seconds=300)
