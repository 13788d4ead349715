"""Talking to the hub: the event stream, context fetches, claims and the ratings sync. No Qt."""

from ._backoff import Backoff, format_delay, parse_retry_after
from ._errors import (
    ClaimConflict,
    HubAuthError,
    HubClientError,
    HubError,
    HubTransportError,
    describe_transport_error,
)
from ._hub import REQUEST_TIMEOUT, HubClient
from ._reports import ReportsClient, filter_params
from ._stream import EventStream, StreamListener
from ._sync import RatingSync
from ._worker import NetworkWorker, NetworkWorkerError, Tuning, WorkerListener

__all__ = [
    "REQUEST_TIMEOUT",
    "Backoff",
    "ClaimConflict",
    "EventStream",
    "HubAuthError",
    "HubClient",
    "HubClientError",
    "HubError",
    "HubTransportError",
    "NetworkWorker",
    "NetworkWorkerError",
    "RatingSync",
    "ReportsClient",
    "StreamListener",
    "Tuning",
    "WorkerListener",
    "describe_transport_error",
    "filter_params",
    "format_delay",
    "parse_retry_after",
]
