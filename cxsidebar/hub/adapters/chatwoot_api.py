"""Fetching a conversation's messages from Chatwoot's API (explicit timeouts, bounded paging)."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from cxsidebar.hub.adapters.config import ApiAccess

log = logging.getLogger(__name__)
MAX_PAGES = 50  # Chatwoot pages by 20 messages: at most 1,000 are fetched


def fetch_messages(
    api: ApiAccess, account_id: int, conversation_id: int, *, http: httpx.Client | None = None
) -> list[dict[str, Any]] | None:
    """Every message of the conversation, oldest first; None (logged) when the API fails,
    so the payload's own messages are used instead."""
    url = f"{api.base_url}/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages"
    client = http or httpx.Client(timeout=httpx.Timeout(api.timeout_seconds))
    collected: dict[int, dict[str, Any]] = {}
    before: int | None = None
    try:
        for _ in range(MAX_PAGES):
            params = {"before": before} if before is not None else {}
            response = client.get(
                url,
                params=params,
                headers={"api_access_token": api.token},
                timeout=api.timeout_seconds,
            )
            response.raise_for_status()
            page = _page(response.json())
            fresh = [m for m in page if isinstance(m.get("id"), int) and m["id"] not in collected]
            if not fresh:
                break
            collected.update((m["id"], m) for m in fresh)
            before = min(m["id"] for m in fresh)
    except (httpx.HTTPError, ValueError) as error:
        log.warning("Chatwoot messages of conversation %s not fetched: %r", conversation_id, error)
        return None
    finally:
        if http is None:
            client.close()
    return [collected[key] for key in sorted(collected)]


def _page(data: Any) -> list[dict[str, Any]]:
    payload = data.get("payload") if isinstance(data, dict) else None
    if not isinstance(payload, list):
        raise ValueError("the answer has no 'payload' list of messages")
    return [item for item in payload if isinstance(item, dict)]
