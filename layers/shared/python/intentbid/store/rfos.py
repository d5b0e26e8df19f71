from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.update import Action

from intentbid.domain.lifecycle import effective_status
from intentbid.store import paging
from intentbid.store.models.offers import OfferModel
from intentbid.store.models.outbox import OutboxModel
from intentbid.store.models.rfos import RfoModel
from intentbid.store.port import Change
from intentbid.store.tx import transaction


def table_answers() -> bool:
    """Readiness: one DescribeTable on the RFO table (DynamoDB answers and this role reaches it)."""
    try:
        return bool(RfoModel.exists())
    except Exception:
        return False


def get(rfo_id: str) -> RfoModel | None:
    try:
        return RfoModel.get(rfo_id, consistent_read=True)
    except DoesNotExist:
        return None


def create(rfo: RfoModel, *changes: Change) -> None:
    with transaction(*changes) as tx:
        tx.save(rfo, condition=RfoModel.id.does_not_exist())


def list_key(environment: str, status: str) -> str:
    return f"{environment}#{status}"


def transition(
    rfo: RfoModel,
    actions: Sequence[Action],
    condition: Any,
    *changes: Change | OutboxModel,
    offer_updates: Sequence[tuple[OfferModel, Sequence[Action], Any]] = (),
) -> None:
    """Change an RFO under ``condition`` (plus its version), with offer updates, audit and outbox (``changes``
    and bare events), atomically.
    ``ConditionFailed.failed_on("rfos")`` means the RFO changed; ``failed_on("offers")`` an offer did."""
    with transaction(*changes) as tx:
        tx.update(rfo, list(actions), condition=condition)
        for offer, offer_actions, offer_condition in offer_updates:
            tx.update(offer, list(offer_actions), condition=offer_condition)


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
        keep=lambda r: r.deleted_at is None,
    )


def find_by_public_token(token_hash: str) -> RfoModel | None:
    for item in RfoModel.by_public_token.query(token_hash, limit=1):
        return get(item.id)  # the index is eventually consistent; the item read is not
    return None
