"""The sidebar's local SQLite store: ratings and their outbox, one writer."""

from ._local import LocalStore, OutboxBatch
from ._thread import StoreClosedError, StoreThread

__all__ = ["LocalStore", "OutboxBatch", "StoreClosedError", "StoreThread"]
