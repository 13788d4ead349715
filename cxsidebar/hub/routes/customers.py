"""CRM data loaded by admins: `PUT /v1/customers/{id}` and its history."""

from __future__ import annotations

from fastapi import APIRouter

from cxsidebar.core import ErrorDetail, Profile
from cxsidebar.hub.auth import Admin, StorageDep
from cxsidebar.hub.errors import HubError, error_responses
from cxsidebar.hub.schemas import HistoryList

router = APIRouter(prefix="/v1/customers", tags=["customers"])


@router.put(
    "/{customer_id}",
    summary="Create or replace a customer profile",
    responses=error_responses(401, 403, 413, 422),
)
def put_customer(customer_id: str, profile: Profile, admin: Admin, storage: StorageDep) -> Profile:
    if profile.id != customer_id:
        raise HubError(
            422,
            "the profile id differs from the id in the path",
            details=[ErrorDetail(field="id", message=f"expected {customer_id!r}")],
        )
    return storage.put_customer(profile)


@router.put(
    "/{customer_id}/history",
    summary="Replace a customer's history",
    responses=error_responses(401, 403, 413, 422),
)
def put_history(
    customer_id: str, history: HistoryList, admin: Admin, storage: StorageDep
) -> HistoryList:
    return HistoryList(items=storage.put_history(customer_id, history.items))
