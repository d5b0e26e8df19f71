"""Backfill the pointer item ``offer#<id>`` of every offer submitted before pointers existed (issue 12: reading
an offer by id right after its submission must not depend on the eventually consistent ``by_id`` index).

The code requires it (``REQUIRED_VERSION``): the by_id index is gone, so an offer without a pointer cannot
be read by id. ``down`` removes only the pointers this migration wrote (marked ``backfilled_by = 1``), never
those written with their offers; it is refused when a pointer it wrote no longer points at its offer's RFO.
"""

from __future__ import annotations

from collections.abc import Iterator

from intentbid.store import migration_data as offers
from migrations import Page

VERSION = 1
NAME = "offer pointers"


def up(cursor: str | None, page_size: int) -> Page:
    page, nxt = offers.scan_page(cursor, page_size)
    return Page(sum(offers.backfill_pointer(offer_id, rfo_id, VERSION) for offer_id, rfo_id in page), nxt)


def down(cursor: str | None, page_size: int) -> Page:
    page, nxt = offers.scan_page(cursor, page_size)
    return Page(sum(offers.remove_backfilled_pointer(offer_id, rfo_id, VERSION) for offer_id, rfo_id in page), nxt)


def down_blockers() -> Iterator[str]:
    cursor: str | None = None
    while True:
        page, cursor = offers.scan_page(cursor, 100)
        for offer_id, rfo_id in page:
            if offers.backfilled_pointer_state(offer_id, rfo_id, VERSION) == "changed":
                yield f"the pointer of offer {offer_id} was changed since the backfill (it no longer names {rfo_id})"
        if cursor is None:
            return
