"""Structured logs without PII: JSON lines with request id, route, status and latency,
and no body, transcript text, name or token in any record."""

from __future__ import annotations

import json
import logging
import sys
import uuid

import httpx
from support.hub import TIMEOUT, create_token, escalation_body, post_escalation, wait_for

from cxsidebar.hub.logs import JsonFormatter

CANARY_NAME = "Zebulon Canaryname"
CANARY_TEXT = "canary-transcript-5e1f my card is 4111 1111 1111 1111"
CANARY_EMAIL = "canary.mail.77@example.org"
CANARY_COMMENT = "canary-comment-0b7d the summary was wrong"
CANARY_AGENT = "Agnetha Canaryagent"


def pii_escalation(escalation_id: str) -> dict[str, object]:
    body = escalation_body(escalation_id)
    body["customer"] = {"id": "cust-canary", "display_name": CANARY_NAME}
    body["transcript"] = [
        {"id": "t1", "at": "2025-03-01T09:59:00+00:00", "speaker": "customer", "text": CANARY_TEXT}
    ]
    return body


def test_no_pii_reaches_the_log_of_a_real_hub(hub_factory):
    hub = hub_factory("pii", summaries=True, extra_args=["--log-level", "debug"])
    token = create_token(hub.db_url, "agent", CANARY_AGENT)
    auth = {"Authorization": f"Bearer {token}"}
    admin = hub.auth(hub.admin_token)
    with httpx.Client(base_url=hub.url, timeout=TIMEOUT) as client:
        profile = {"id": "cust-canary", "display_name": CANARY_NAME, "email": CANARY_EMAIL}
        assert client.put("/v1/customers/cust-canary", json=profile, headers=admin).is_success
        assert (
            post_escalation(hub.url, hub.source_secret, pii_escalation("esc-pii")).status_code
            == 202
        )
        # Refused intake: a bad signature, then a body that fails validation.
        bad = post_escalation(hub.url, "whsec_" + "B" * 32, pii_escalation("esc-x"))
        assert bad.status_code == 401
        invalid = pii_escalation("esc-y")
        invalid["channel"] = CANARY_TEXT
        invalid["transcript"] = [{"speaker": CANARY_NAME, "text": CANARY_TEXT}]
        assert post_escalation(hub.url, hub.source_secret, invalid).status_code == 422

        def summarised() -> bool:
            context = client.get("/v1/escalations/esc-pii", headers=auth).json()
            return context.get("summary") is not None

        wait_for(summarised, timeout=15)
        assert client.post("/v1/escalations/esc-pii/claim", headers=auth).status_code == 200
        rating = {
            "id": str(uuid.uuid4()),
            "escalation_id": "esc-pii",
            "created_at": "2025-03-01T10:05:00+00:00",
            "overall": 2,
            "comment": CANARY_COMMENT,
        }
        saved = client.post("/v1/ratings", json={"ratings": [rating]}, headers=auth)
        assert saved.status_code == 200
        bad_rating = client.post(
            "/v1/ratings", json={"ratings": [{**rating, "overall": CANARY_COMMENT}]}, headers=auth
        )
        assert bad_rating.status_code == 422
        unknown = client.get("/v1/escalations", headers={"Authorization": f"Bearer {CANARY_TEXT}"})
        assert unknown.status_code == 401
    assert hub.stop() == 0

    text = hub.log_text()
    for canary in (CANARY_NAME, CANARY_TEXT, "4111", CANARY_EMAIL, CANARY_COMMENT, CANARY_AGENT,
                   token, hub.agent_token, hub.admin_token, hub.source_secret):  # fmt: skip
        assert canary not in text, f"{canary!r} is in the hub's log"

    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    requests = [r for r in records if r["logger"] == "cxsidebar.hub.access"]
    assert {r["route"] for r in requests} >= {
        "/v1/escalations",
        "/v1/escalations/{escalation_id}",
        "/v1/ratings",
        "/v1/customers/{customer_id}",
    }
    for record in requests:
        assert record["request_id"]
        assert isinstance(record["status"], int)
        assert record["latency_ms"] >= 0
    assert {r["status"] for r in requests} >= {200, 202, 401, 422}


def test_an_exception_is_logged_without_its_message():
    try:
        raise ValueError(f"could not parse {CANARY_TEXT!r}")
    except ValueError:
        record = logging.LogRecord(
            "cxsidebar.hub.test", logging.ERROR, __file__, 1, "it failed", None, sys.exc_info()
        )
    record.fields = {"route": "/v1/escalations", "body": CANARY_TEXT}
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert CANARY_TEXT not in line
    assert entry["exception"] == "ValueError"
    assert entry["route"] == "/v1/escalations"
    assert "body" not in entry
    assert entry["frames"]
