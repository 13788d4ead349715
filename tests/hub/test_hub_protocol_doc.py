"""docs/protocol.md and the served /openapi.json describe the same API."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cxsidebar.hub import create_app
from cxsidebar.hub.signing import sign_headers

PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
HEADING = re.compile(r"^#{2,4} `(GET|POST|PUT|PATCH|DELETE) (/\S*)`$", re.MULTILINE)


@pytest.fixture
def openapi(storage) -> dict:
    return create_app(storage).openapi()


def served(openapi: dict) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, operations in openapi["paths"].items()
        for method in operations
    }


def documented() -> set[tuple[str, str]]:
    return set(HEADING.findall(PROTOCOL.read_text(encoding="utf-8")))


def test_every_served_endpoint_is_documented(openapi):
    missing = served(openapi) - documented()
    assert not missing, f"add a '### `METHOD /path`' section to docs/protocol.md for {missing}"


def test_every_documented_endpoint_is_served(openapi):
    extra = documented() - served(openapi)
    assert not extra, f"docs/protocol.md describes endpoints the hub does not serve: {extra}"


def test_the_escalation_body_is_in_the_openapi(openapi):
    body = openapi["paths"]["/v1/escalations"]["post"]["requestBody"]
    assert body["required"] is True
    ref = body["content"]["application/json"]["schema"]["$ref"]
    schema = openapi["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert {"id", "queue", "channel", "created_at", "bot", "customer"} <= set(schema["required"])
    turn = schema["properties"]["transcript"]["items"]["$ref"].rsplit("/", 1)[1]
    assert "speaker" in openapi["components"]["schemas"][turn]["properties"]


def test_every_reference_in_the_openapi_resolves(openapi):
    text = repr(openapi)
    names = set(re.findall(r"#/components/schemas/([A-Za-z0-9_.-]+)", text))
    assert names <= set(openapi["components"]["schemas"])
    assert "#/$defs/" not in text


def test_errors_are_documented_as_envelopes(openapi):
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}, (
                        method, path, status,
                    )  # fmt: skip


def test_the_worked_signing_example_is_right():
    text = PROTOCOL.read_text(encoding="utf-8")
    secret = re.search(r"secret: `(whsec_[A-Za-z0-9+/=]+)`", text)[1]
    key = re.search(r"the key is the 32 bytes\s+`([^`]+)`", text)[1]
    assert base64.b64decode(secret.removeprefix("whsec_")) == key.encode()
    webhook_id = re.search(r"webhook-id: `([^`]+)`", text)[1]
    timestamp = int(re.search(r"webhook-timestamp: `(\d+)`", text)[1])
    body = re.search(r"- body: `([^`]+)`", text)[1].encode()
    headers = sign_headers(
        secret, body, msg_id=webhook_id, timestamp=datetime.fromtimestamp(timestamp, UTC)
    )
    assert f"webhook-signature: {headers['webhook-signature']}" in text
    assert f"{webhook_id}.{timestamp}.{body.decode()}" in text
