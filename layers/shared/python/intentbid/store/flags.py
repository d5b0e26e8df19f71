"""Suspicious-activity flags: upserted by key, so re-detection never duplicates a flag or its event."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from intentbid.domain import ids
from intentbid.store import outbox, paging
from intentbid.store.models.flags import FlagModel
from intentbid.store.tx import ConditionFailed, transaction


def add_if_new(
    key: str,
    *,
    code: str,
    vendor_id: str,
    rfo_id: str | None,
    reason: str,
    evidence: dict[str, Any],
    event_data: dict[str, Any],
    environment: str,
    now: datetime,
) -> bool:
    """Store the flag keyed ``key`` in ``environment`` with its ``vendor.flagged`` event (``event_data`` plus
    the flag's id) unless one with its key exists. True if new."""
    flag = FlagModel(
        f"{key}#{environment}",  # one flag per (code, RFO, vendor, environment)
        id=ids.new_id("flg"),
        code=code,
        vendor_id=vendor_id,
        rfo_id=rfo_id or "-",
        reason=reason,
        evidence=json.dumps(evidence, default=str),
        environment=environment,
        day=now.strftime("%Y-%m-%d"),
        created_at=now,
    )
    event = outbox.event("vendor.flagged", vendor_id, environment, {**event_data, "flag_id": flag.id}, now)
    try:
        with transaction(event) as tx:
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
