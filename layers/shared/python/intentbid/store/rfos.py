from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from intentbid.domain.lifecycle import CLOSED, EXPIRED, OPEN, effective_status
from intentbid.store import paging
from intentbid.store.models.outbox import OutboxModel
from intentbid.store.models.rfos import RfoModel
from intentbid.store.tx import transaction


def get(rfo_id: str) -> RfoModel | None:
    try:
        return RfoModel.get(rfo_id, consistent_read=True)
    except DoesNotExist:
        return None


def create(rfo: RfoModel, event: OutboxModel) -> None:
    with transaction() as tx:
        tx.save(rfo, condition=RfoModel.id.does_not_exist())
        tx.save(event)


def list_key(environment: str, status: str) -> str:
    return f"{environment}#{status}"


def page_for_buyer(
    buyer_id: str, *, limit: int, cursor: str | None, status: str | None, now: datetime
) -> tuple[list[RfoModel], str | None]:
    def keep(r: RfoModel) -> bool:
        return r.deleted_at is None and (status is None or effective_status(r.status, r.expires_at, now) == status)

    return paging.page(
        lambda start: RfoModel.by_buyer.query(
            buyer_id, scan_index_forward=False, last_evaluated_key=start, page_size=limit
        ),
        cursor,
        {"id", "buyer_id"},
        limit,
        keep,
    )


def page_open(
    environment: str, *, limit: int, cursor: str | None, now: datetime, category: str | None, region: str | None
) -> tuple[list[RfoModel], str | None]:
    def keep(r: RfoModel) -> bool:
        return (
            r.deleted_at is None
            and r.expires_at > now
            and (category is None or r.category == category)
            and (region is None or r.delivery_region == region)
        )

    return paging.page(
        lambda start: RfoModel.by_status.query(
            list_key(environment, "OPEN"), scan_index_forward=False, last_evaluated_key=start, page_size=limit
        ),
        cursor,
        {"id", "list_key"},
        limit,
        keep,
    )


def page_all(*, limit: int, cursor: str | None, environment: str, status: str) -> tuple[list[RfoModel], str | None]:
    return paging.page(
        lambda start: RfoModel.by_status.query(
            list_key(environment, status), scan_index_forward=False, last_evaluated_key=start, page_size=limit
        ),
        cursor,
        {"id", "list_key"},
        limit,
    )


def expire(rfo: RfoModel, deadline_version: int, event: OutboxModel, now: datetime) -> str:
    """OPEN|CLOSED -> EXPIRED, guarded by status and deadline version; a lost race is reported as stale."""
    from intentbid.store.tx import ConditionFailed

    try:
        with transaction() as tx:
            tx.update(
                rfo,
                [
                    RfoModel.status.set(EXPIRED),
                    RfoModel.list_key.set(list_key(rfo.environment, EXPIRED)),
                    RfoModel.status_reason.set("deadline passed"),
                    RfoModel.updated_at.set(now),
                ],
                condition=RfoModel.status.is_in(OPEN, CLOSED) & (RfoModel.deadline_version == deadline_version),
            )
            tx.save(event)
    except ConditionFailed:
        return "stale"
    return "expired"
