"""Suspicious-activity flags: upserted by key, so re-detection never duplicates a flag or its event."""

from __future__ import annotations

from pynamodb.models import Model

from intentbid.store import paging
from intentbid.store.models.flags import FlagModel
from intentbid.store.tx import ConditionFailed, transaction


def add_if_new(flag: FlagModel, *records: Model) -> bool:
    """Store the flag (and its ``vendor.flagged`` event) unless one with its key exists. True if new."""
    try:
        with transaction(*records) as tx:
            tx.save(flag, condition=FlagModel.key.does_not_exist())
    except ConditionFailed:
        return False
    return True


def for_rfo(rfo_id: str) -> list[FlagModel]:
    return list(FlagModel.by_rfo.query(rfo_id))


def page_by_day(day: str, *, limit: int, cursor: str | None) -> tuple[list[FlagModel], str | None]:
    return paging.page(
        lambda start: FlagModel.by_day.query(day, scan_index_forward=False, last_evaluated_key=start, page_size=limit),
        cursor,
        {"key", "day", "created_at"},
        limit,
    )


def page_by_vendor(vendor_id: str, *, limit: int, cursor: str | None) -> tuple[list[FlagModel], str | None]:
    return paging.page(
        lambda start: FlagModel.by_vendor.query(
            vendor_id, scan_index_forward=False, last_evaluated_key=start, page_size=limit
        ),
        cursor,
        {"key", "vendor_id", "created_at"},
        limit,
    )
