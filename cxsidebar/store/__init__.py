"""The sidebar's local SQLite store: ratings and their outbox, one writer."""

from ._local import LocalStore, OutboxBatch
from ._location import (
    NETWORK_FS,
    StoreLocationError,
    check_local,
    filesystem_type,
    is_network_path,
)
from ._thread import StoreClosedError, StoreThread

__all__ = [
    "NETWORK_FS",
    "LocalStore",
    "OutboxBatch",
    "StoreClosedError",
    "StoreLocationError",
    "StoreThread",
    "check_local",
    "filesystem_type",
    "is_network_path",
]
