"""Wire bodies the hub needs beyond `core`: list wrappers and the health answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cxsidebar.core import HistoryItem, QueueItem


class QueueList(BaseModel):
    """`GET /v1/escalations`: oldest first."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    items: list[QueueItem]


class HistoryList(BaseModel):
    """`PUT /v1/customers/{id}/history`: the customer's whole history, replacing what was there."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    items: list[HistoryItem] = Field(max_length=10_000)


class Health(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    status: Literal["ok"] = "ok"
