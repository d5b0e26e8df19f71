"""The data verbs of the migrations (``migrations/``): run by the deployer (``make migrate``), never by a function
(no function's role grants DeleteItem or Scan: tests/infra/test_infra_iam.py checks each role). Scans of whole
tables, and the delete that reverts a backfill, live here only."""

from __future__ import annotations

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError

from intentbid.store import paging
from intentbid.store.models.offers import POINTER_PREFIX, OfferModel, OfferPointerModel


def scan_page(cursor: str | None, limit: int) -> tuple[list[tuple[str, str]], str | None]:
    """One page of a Scan of the offers table, its pointer items skipped: ``(offer id, RFO id)`` per offer, and
    the cursor of the next page (None: the table is done)."""
    not_pointer = ~OfferModel.rfo_id.startswith(POINTER_PREFIX)
    offers: list[OfferModel]
    offers, nxt = paging.page(
        lambda start: OfferModel.scan(
            not_pointer,
            consistent_read=True,
            last_evaluated_key=start,
            page_size=limit,
            attributes_to_get=["rfo_id", "id"],
        ),
        cursor,
        {"rfo_id", "id"},
        limit,
    )
    return [(o.id, o.rfo_id) for o in offers], nxt


def backfill_pointer(offer_id: str, rfo_id: str, migration: int) -> bool:
    """Write an offer's pointer where it has none, marked as the migration's; False: it had one already."""
    pointer = OfferPointerModel.for_offer(offer_id, rfo_id)
    pointer.backfilled_by = migration
    try:
        pointer.save(condition=OfferPointerModel.key.does_not_exist())
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def backfilled_pointer_state(offer_id: str, rfo_id: str, migration: int) -> str:
    """What reverting the backfill would find: ``absent``, ``ours`` (written by the migration, as written),
    ``not_ours`` (written with the offer, or rewritten since: never removed) or ``changed`` (marked as the
    migration's but no longer pointing at the offer's RFO: something changed it since)."""
    try:
        pointer = OfferPointerModel.get(POINTER_PREFIX + offer_id, POINTER_PREFIX + offer_id, consistent_read=True)
    except DoesNotExist:
        return "absent"
    if pointer.backfilled_by is None or int(pointer.backfilled_by) != migration:
        return "not_ours"
    return "ours" if pointer.offer_rfo_id == rfo_id else "changed"


def remove_backfilled_pointer(offer_id: str, rfo_id: str, migration: int) -> bool:
    """Delete the pointer only while it is the migration's, as written; False: nothing removed."""
    pointer = OfferPointerModel.for_offer(offer_id, rfo_id)
    condition = (OfferPointerModel.backfilled_by == migration) & (OfferPointerModel.offer_rfo_id == rfo_id)
    try:
        pointer.delete(condition=condition)
    except DeleteError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True
