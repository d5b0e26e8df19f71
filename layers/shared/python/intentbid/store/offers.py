from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from pynamodb.expressions.update import Action

from intentbid.store import paging
from intentbid.store.models.offers import OfferModel
from intentbid.store.models.outbox import OutboxModel
from intentbid.store.models.rfos import RfoModel
from intentbid.store.tx import transaction


def get_by_id(offer_id: str) -> OfferModel | None:
    for item in OfferModel.by_id.query(offer_id, limit=1):
        return item
    return None


def rfo_open_condition(now: datetime):  # type: ignore[no-untyped-def]
    return (RfoModel.status == "OPEN") & (RfoModel.expires_at > now) & RfoModel.deleted_at.does_not_exist()


def submit(offer: OfferModel, event: OutboxModel, now: datetime) -> None:
    """Guarded by the RFO still being OPEN and before its deadline, in the same transaction."""
    with transaction() as tx:
        tx.condition_check(RfoModel, offer.rfo_id, condition=rfo_open_condition(now))
        tx.save(offer, condition=OfferModel.id.does_not_exist())
        tx.save(event)


def update(
    offer: OfferModel,
    actions: list[Action],
    expected_revision: int,
    event: OutboxModel,
    now: datetime,
    require_rfo_open: bool = True,
) -> None:
    with transaction() as tx:
        if require_rfo_open:
            tx.condition_check(RfoModel, offer.rfo_id, condition=rfo_open_condition(now))
        tx.update(
            offer, actions, condition=(OfferModel.status == "active") & (OfferModel.revision == expected_revision)
        )
        tx.save(event)


def all_for_rfo(rfo_id: str) -> Iterator[OfferModel]:
    """Every offer of an RFO: a paginated, strongly consistent Query (never a Scan)."""
    return OfferModel.query(rfo_id, consistent_read=True)


def page_for_rfo(
    rfo_id: str, *, limit: int, cursor: str | None, vendor_id: str | None = None
) -> tuple[list[OfferModel], str | None]:
    return paging.page(
        lambda start: OfferModel.query(rfo_id, consistent_read=True, last_evaluated_key=start, page_size=limit),
        cursor,
        {"rfo_id", "id"},
        limit,
        keep=lambda o: vendor_id is None or o.vendor_id == vendor_id,
    )


def page_for_vendor(vendor_id: str, *, limit: int, cursor: str | None) -> tuple[list[OfferModel], str | None]:
    return paging.page(
        lambda start: OfferModel.by_vendor.query(
            vendor_id, scan_index_forward=False, last_evaluated_key=start, page_size=limit
        ),
        cursor,
        {"rfo_id", "id", "vendor_id"},
        limit,
    )
