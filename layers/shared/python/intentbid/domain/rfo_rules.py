"""RFO checks beyond the request schema (dates against the clock, weights against the scoring version), each a
:class:`FieldError`; all are reported together, and with the schema's errors when the schema refused the body
(:func:`create_errors` over the fields that validated)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from intentbid.domain.errors import FieldError, ValidationFailed
from intentbid.domain.scoring import LATEST, ScoringVersion, get_version
from intentbid.domain.scoring_profiles import choose_weights


def date_errors(expires_at: datetime | None, need_by: datetime | None, now: datetime) -> list[FieldError]:
    """The bidding deadline lies in the future; delivery (need_by) is not before it. None: not judged."""
    errs = []
    if expires_at is not None and expires_at <= now:
        errs.append(FieldError("expires_at", "in_past", "expires_at (the bidding deadline) must be in the future"))
    if need_by is not None and expires_at is not None and need_by < expires_at:
        errs.append(
            FieldError("need_by", "need_by_before_deadline", "need_by must not be before expires_at (the deadline)")
        )
    return errs


def check_dates(expires_at: datetime, need_by: datetime | None, now: datetime) -> None:
    errs = date_errors(expires_at, need_by, now)
    if errs:
        raise ValidationFailed("The RFO's dates are not valid.", errors=errs)


def scoring(
    weights: dict[str, float] | None, profile: str | None, scoring_version: str | None, category: str
) -> tuple[ScoringVersion | None, dict[str, Decimal] | None, ValidationFailed | None]:
    """(version, normalised weights, the refusal) of a new RFO's scoring fields."""
    try:
        version = get_version(scoring_version or LATEST)
    except ValidationFailed as exc:
        return None, None, exc
    try:
        return version, choose_weights(version, weights, profile, category), None
    except ValidationFailed as exc:
        return version, None, exc


def check_create(
    expires_at: datetime,
    need_by: datetime,
    weights: dict[str, float] | None,
    profile: str | None,
    scoring_version: str | None,
    category: str,
    now: datetime,
) -> tuple[ScoringVersion, dict[str, Decimal]]:
    """A new RFO's version and weights, or 400 naming every date and scoring field at fault at once."""
    dates = date_errors(expires_at, need_by, now)
    version, chosen, refused = scoring(weights, profile, scoring_version, category)
    if refused is not None and dates:
        errs = dates + refused.errors
        raise ValidationFailed(f"{len(errs)} field(s) failed validation.", errors=errs)
    if refused is not None:
        raise refused
    if dates:
        raise ValidationFailed("The RFO's dates are not valid.", errors=dates)
    assert version is not None and chosen is not None
    return version, chosen


def create_errors(fields: Mapping[str, Any], now: datetime) -> list[FieldError]:
    """The checks above over the fields of an RFO the schema refused (only those sent that validated)."""
    errs = date_errors(fields.get("expires_at"), fields.get("need_by"), now)
    if any(k in fields for k in ("weights", "profile", "scoring_version")):
        category = fields.get("category") or ""
        refused = scoring(fields.get("weights"), fields.get("profile"), fields.get("scoring_version"), category)[2]
        errs += refused.errors if refused is not None else []
    return errs
