from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pynamodb.expressions.update import Action
from pynamodb.models import Model

from intentbid.store import paging
from intentbid.store.models.offers import OfferModel
from intentbid.store.models.rfos import RfoModel
from intentbid.store.tx import transaction


def get_by_id(offer_id: str) -> OfferModel | None:
    for item in OfferModel.by_id.query(offer_id, limit=1):
        return item
    return None


def rfo_open_condition(now: datetime) -> Any:
    return (RfoModel.status == "OPEN") & (RfoModel.expires_at > now) & RfoModel.deleted_at.does_not_exist()


def submit(offer: OfferModel, now: datetime, *records: Model) -> None:
    """Guarded by the RFO still being OPEN and before its deadline, in the same transaction (item 0)."""
    with transaction(*records) as tx:
        tx.condition_check(RfoModel, offer.rfo_id, condition=rfo_open_condition(now))
        tx.save(offer, condition=OfferModel.id.does_not_exist())


def update(offer: OfferModel, actions: list[Action], expected_revision: int, now: datetime, *records: Model) -> None:
    """Change an active offer at ``expected_revision`` while its RFO is OPEN (item 0: the RFO check)."""
    with transaction(*records) as tx:
        tx.condition_check(RfoModel, offer.rfo_id, condition=rfo_open_condition(now))
        tx.update(
            offer, actions, condition=(OfferModel.status == "active") & (OfferModel.revision == expected_revision)
        )


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
