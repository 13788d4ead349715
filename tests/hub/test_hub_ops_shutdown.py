"""Graceful shutdown of a real hub process: on SIGTERM every stream ends with a
`retry:` hint, and a client that resumes on another worker misses nothing."""

from __future__ import annotations

import signal
import time

from support.hub import HubProcess, escalation_body, open_stream, post_escalation

from cxsidebar.hub import HubSettings


def test_sigterm_ends_streams_with_a_retry_hint_and_clients_resume_elsewhere(hub_factory, tmp_path):
    first = hub_factory("first", heartbeat=30.0)
    # A second worker on the same database file, behind the same "load balancer".
    with HubProcess(first.db_url, heartbeat=30.0, log_path=tmp_path / "second.log") as second:
        with open_stream(first.url, first.agent_token) as stream:
            stream.read_until(lambda seen: seen.retries)
            assert first.post(escalation_body("esc-1")).status_code == 202
            [created] = stream.events(1)
            stopping = time.monotonic()
            first._process.send_signal(signal.SIGTERM)
            seen = stream.read_until(lambda seen: seen.ended, timeout=5)
        assert seen.retries == [HubSettings.sse_retry_ms, HubSettings.shutdown_retry_ms]
        assert "shutting down" in seen.comments
        assert first.stop() == 0
        assert time.monotonic() - stopping < 4  # streams did not hold the shutdown up

        accepted = post_escalation(second.url, first.source_secret, escalation_body("esc-2"))
        assert accepted.status_code == 202
        with open_stream(second.url, first.agent_token, last_event_id=created.id) as resumed:
            [missed] = resumed.events(1)
        assert '"esc-2"' in missed.data
        assert int(missed.id) == accepted.json()["event_id"]
