"""The worker follows the escalation it fetched last: an `escalation.updated` of it
fetches it again on the worker's own loop; updates of others are only passed on."""

from __future__ import annotations

from cx_fakehub import ServedHub
from cx_support import RecordingListener, context

from cxsidebar.client import NetworkWorker, Tuning
from cxsidebar.core import ConnectionState, EventType, Summary, UpdatedInfo
from cxsidebar.store import StoreThread

FAST = Tuning(heartbeat=1.0, reconnect_base=0.01, reconnect_cap=0.05, sync_period=3600.0, seed=1)


def test_an_update_of_the_followed_escalation_refetches_it(
    served: ServedHub, store_thread: StoreThread
) -> None:
    hub, listener = served.hub, RecordingListener()
    hub.contexts.update({"esc-1": context("esc-1"), "esc-2": context("esc-2")})
    worker = NetworkWorker(
        listener, hub_url=served.url, token=hub.token, store=store_thread, tuning=FAST
    )
    worker.start()
    try:
        listener.wait_until(lambda: ConnectionState.LIVE in listener.states())
        worker.fetch_context("esc-1").result(5)
        assert len(listener.of("on_context")) == 1

        newer = context("esc-1").model_copy(
            update={"summary": Summary(kind="extractive", text="v2", version=2)}
        )
        hub.contexts["esc-1"] = newer
        hub.publish(
            "escalation.updated",
            UpdatedInfo(escalation_id="esc-2", queue="billing", what="summary"),
        )
        hub.publish(
            "escalation.updated",
            UpdatedInfo(escalation_id="esc-1", queue="billing", what="summary"),
        )
        listener.wait_for_call("on_context", 2)
        listener.wait_for_call("on_event", 2)
        assert listener.of("on_context")[1] == (newer,)
        events = [args[0] for args in listener.of("on_event")]
        assert [(e.type, e.data.escalation_id) for e in events] == [
            (EventType.UPDATED, "esc-2"),
            (EventType.UPDATED, "esc-1"),
        ]
        # Only the followed escalation was fetched again, once.
        assert [args[0].escalation.id for args in listener.of("on_context")] == ["esc-1", "esc-1"]
    finally:
        worker.stop()
