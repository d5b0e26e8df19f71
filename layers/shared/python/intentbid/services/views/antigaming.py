"""Rejections and anti-gaming flags as vendors and ops see them."""

from __future__ import annotations

import json

from intentbid.schemas.antigaming import FieldErrorOut, FlagOut, Rejection
from intentbid.store.port import Flag as FlagRecord
from intentbid.store.port import Rejection as RejectionRecord


def rejection_view(r: RejectionRecord) -> Rejection:
    return Rejection(
        id=r.id,
        vendor_id=r.vendor_id,
        rfo_id=r.rfo_id,
        offer_id=r.offer_id,
        action=r.action,
        environment=r.environment,
        code=r.code,
        status=int(r.status),
        reason=r.reason,  # type: ignore[arg-type]
        errors=[FieldErrorOut(**e) for e in json.loads(r.errors or "[]")],
        at=r.at,
    )


def flag_view(f: FlagRecord) -> FlagOut:
    return FlagOut(
        id=f.id,
        code=f.code,
        vendor_id=f.vendor_id,
        rfo_id=None if f.rfo_id == "-" else f.rfo_id,
        reason=f.reason,
        evidence=json.loads(f.evidence or "{}"),
        environment=f.environment,
        created_at=f.created_at,
    )
