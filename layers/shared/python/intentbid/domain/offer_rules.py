"""Offer validation rules that need the RFO (schema-level checks live in the request models).

Each rule yields a :class:`FieldError` with a stable code; all failures are reported together. When exactly
one rule fails, its code is also the problem's top-level ``code`` (e.g. ``availability_not_confirmed``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from intentbid.domain.errors import FieldError, ValidationFailed


@dataclass(frozen=True, slots=True)
class OfferTerms:
    unit_price: int
    currency: str
    quantity_available: int
    delivery_date: datetime
    valid_until: datetime
    availability_confirmed: bool


def delivery_from(eta_days: int | None, delivery_date: datetime | None, now: datetime) -> datetime:
    if delivery_date is not None:
        return delivery_date
    return now + timedelta(days=eta_days or 0)


def check(terms: OfferTerms, *, rfo_currency: str, now: datetime) -> None:
    errs: list[FieldError] = []
    if terms.currency != rfo_currency:
        errs.append(FieldError("currency", "currency_mismatch", f"this RFO is priced in {rfo_currency}"))
    if not terms.availability_confirmed:
        errs.append(
            FieldError(
                "availability_confirmed",
                "availability_not_confirmed",
                "confirm availability with availability_confirmed: true",
            )
        )
    if terms.valid_until <= now:
        errs.append(FieldError("valid_until", "in_past", "valid_until must be in the future"))
    if terms.delivery_date < now - timedelta(minutes=1):
        errs.append(FieldError("delivery_date", "in_past", "delivery_date must not be in the past"))
    if errs:
        code = errs[0].code if len(errs) == 1 else "validation_failed"
        raise ValidationFailed("The offer is not valid for this RFO.", code=code, errors=errs)
