"""The rejections log: every refused submission or revision, for the vendor and for ops."""

from __future__ import annotations

from datetime import datetime

from intentbid.domain import ids
from intentbid.store import paging
from intentbid.store.models.rejections import RejectionModel


def record(item: RejectionModel) -> None:
    item.save(condition=RejectionModel.id.does_not_exist())


def new(
    *,
    vendor_id: str,
    rfo_id: str | None,
    offer_id: str | None,
    action: str,
    code: str,
    status: int,
    reason: str,
    errors: str,
    environment: str,
    now: datetime,
) -> RejectionModel:
    return RejectionModel(
        vendor_id,
        ids.new_id("rej", at_ms=int(now.timestamp() * 1000)),
        rfo_id=rfo_id,
        offer_id=offer_id,
        action=action,
        code=code,
        status=str(status),
        reason=reason,
        errors=errors,
        environment=environment,
        day=now.strftime("%Y-%m-%d"),
        at=now,
    )


def since(vendor_id: str, start: datetime) -> list[RejectionModel]:
    """The vendor's rejections at or after ``start`` (ids are time-ordered, so a key condition suffices)."""
    floor = ids.new_id("rej", at_ms=int(start.timestamp() * 1000))[:14]
    return list(RejectionModel.query(vendor_id, RejectionModel.id >= floor))


def page(vendor_id: str, *, limit: int, cursor: str | None) -> tuple[list[RejectionModel], str | None]:
    return paging.page(
        lambda start: RejectionModel.query(
            vendor_id, scan_index_forward=False, last_evaluated_key=start, page_size=limit
        ),
        cursor,
        {"vendor_id", "id"},
        limit,
    )
