"""The rejections log: refused submissions and revisions per (vendor, environment), for the vendor and for ops.
Written in the same transaction as the vendor's anti-gaming state (:func:`intentbid.store.accounts.save_antigaming`);
nothing on the request path reads it back (the ``repeated_rejections`` window lives on the vendor item)."""

from __future__ import annotations

from datetime import datetime

from intentbid.domain import ids
from intentbid.store import paging
from intentbid.store.models.rejections import RejectionModel, partition


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
        partition(vendor_id, environment),
        ids.new_id("rej", at_ms=int(now.timestamp() * 1000)),
        vendor_id=vendor_id,
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


def page(
    vendor_id: str, environment: str, *, limit: int, cursor: str | None
) -> tuple[list[RejectionModel], str | None]:
    return paging.page(
        lambda start: RejectionModel.query(
            partition(vendor_id, environment), scan_index_forward=False, last_evaluated_key=start, page_size=limit
        ),
        cursor,
        {"vendor_env", "id"},
        limit,
    )
