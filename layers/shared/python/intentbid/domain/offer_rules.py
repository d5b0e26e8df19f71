"""Offer validation rules that need the RFO (schema-level checks live in the request models).

Each rule yields a :class:`FieldError` with a stable code; all failures are reported together. When exactly
one rule fails, its code is also the problem's top-level ``code`` (e.g. ``availability_not_confirmed``).

Rules (400, field in ``errors[]``):

- ``currency_mismatch`` (``currency``): the offer's currency is not the RFO's.
- ``availability_not_confirmed`` (``availability_confirmed``): the vendor did not send ``true``.
- ``in_past`` (``valid_until``): ``valid_until`` is not after now.
- ``in_past`` (``delivery_date``/``eta_days``): the delivery lies in the past (beyond a small clock-skew grace).
- ``price_out_of_range`` (``unit_price``): not positive, or ``unit_price x RFO quantity`` outside
  ``[budget_max x price_min_ratio, budget_max x price_max_ratio]`` (needs ``rfo``).
- ``quantity_out_of_range`` (``quantity_available``): below 1, or above ``RFO quantity x quantity_max_over_ratio``.
- ``eta_after_need_by`` (``delivery_date``/``eta_days``, whichever the client sent): delivery after the RFO's
  ``need_by`` (configurable, default on; needs ``rfo``).
- ``too_long`` (``notes``): notes longer than ``notes_max_chars``.
- ``price_increase_not_allowed`` (``unit_price``, revisions only, :func:`check_no_price_increase`): a revision
  raises the unit price while raises are off (``INTENTBID_ALLOW_PRICE_INCREASE``, the default).

Without ``rfo`` only the rules that need no RFO figures run (the foundation's behaviour).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from intentbid.config import OfferPolicy
from intentbid.domain.errors import FieldError, ValidationFailed

DEFAULT_POLICY = OfferPolicy()


@dataclass(frozen=True, slots=True)
class OfferTerms:
    unit_price: int
    currency: str
    quantity_available: int
    delivery_date: datetime
    valid_until: datetime
    availability_confirmed: bool
    notes: str | None = None
    # Which request field carried the delivery ("delivery_date" or "eta_days"): errors name what the client sent.
    delivery_field: str = "delivery_date"


@dataclass(frozen=True, slots=True)
class RfoBounds:
    """The RFO figures the band, quantity and need-by rules need."""

    quantity: int
    budget_max: int
    need_by: datetime


def delivery_from(eta_days: int | None, delivery_date: datetime | None, now: datetime) -> datetime:
    if delivery_date is not None:
        return delivery_date
    return now + timedelta(days=eta_days or 0)


def delivery_field(eta_days: int | None, delivery_date: datetime | None) -> str:
    """The request field that carried the delivery: ``eta_days`` when only it was given."""
    return "eta_days" if delivery_date is None and eta_days is not None else "delivery_date"


def unit_price_band(rfo: RfoBounds, policy: OfferPolicy = DEFAULT_POLICY) -> tuple[int, int | None]:
    """(lowest, highest or None) unit price the band allows for this RFO, in minor units."""
    budget = Decimal(rfo.budget_max)
    low = 1
    if policy.price_min_ratio:
        low = max(1, math.ceil(budget * policy.price_min_ratio / rfo.quantity))
    high = None
    if policy.price_max_ratio:
        high = math.floor(budget * policy.price_max_ratio / rfo.quantity)
    return low, high


def _price_error(terms: OfferTerms, rfo: RfoBounds | None, policy: OfferPolicy) -> FieldError | None:
    if terms.unit_price <= 0:
        return FieldError("unit_price", "price_out_of_range", "unit_price must be greater than 0")
    if rfo is None:
        return None
    total = Decimal(terms.unit_price) * rfo.quantity
    budget = Decimal(rfo.budget_max)
    too_low = bool(policy.price_min_ratio) and total < budget * policy.price_min_ratio
    too_high = bool(policy.price_max_ratio) and total > budget * policy.price_max_ratio
    if not (too_low or too_high):
        return None
    low, high = unit_price_band(rfo, policy)
    band = f"between {low} and {high}" if high is not None else f"at least {low}"
    return FieldError(
        "unit_price",
        "price_out_of_range",
        f"unit_price x the RFO's quantity must stay within a sane band of its budget: unit_price {band}",
    )


def _quantity_error(terms: OfferTerms, rfo: RfoBounds | None, policy: OfferPolicy) -> FieldError | None:
    if terms.quantity_available < 1:
        return FieldError("quantity_available", "quantity_out_of_range", "quantity_available must be at least 1")
    if rfo is None or not policy.quantity_max_over_ratio:
        return None
    most = math.floor(rfo.quantity * policy.quantity_max_over_ratio)
    if terms.quantity_available > most:
        return FieldError(
            "quantity_available", "quantity_out_of_range", f"quantity_available must be at most {most} for this RFO"
        )
    return None


def violations(
    terms: OfferTerms,
    *,
    rfo_currency: str,
    now: datetime,
    rfo: RfoBounds | None = None,
    policy: OfferPolicy = DEFAULT_POLICY,
) -> list[FieldError]:
    """Every rule the offer breaks, in a stable order (empty when it is valid)."""
    errs: list[FieldError] = []
    price = _price_error(terms, rfo, policy)
    if price is not None:
        errs.append(price)
    if terms.currency != rfo_currency:
        errs.append(FieldError("currency", "currency_mismatch", f"this RFO is priced in {rfo_currency}"))
    quantity = _quantity_error(terms, rfo, policy)
    if quantity is not None:
        errs.append(quantity)
    where = terms.delivery_field
    if terms.delivery_date < now - timedelta(seconds=policy.delivery_past_grace_s):
        errs.append(FieldError(where, "in_past", f"{where} must not be in the past"))
    elif (
        rfo is not None
        and policy.enforce_need_by
        and terms.delivery_date > rfo.need_by + timedelta(seconds=policy.need_by_grace_s)
    ):
        errs.append(FieldError(where, "eta_after_need_by", "the delivery falls after the RFO's need_by"))
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
    if terms.notes is not None and policy.notes_max_chars and len(terms.notes) > policy.notes_max_chars:
        errs.append(FieldError("notes", "too_long", f"notes must be at most {policy.notes_max_chars} characters"))
    return errs


def raise_for(errs: list[FieldError], detail: str = "The offer is not valid for this RFO.") -> None:
    """Raise ``ValidationFailed`` for ``errs`` (a single failure's code becomes the top-level code)."""
    if errs:
        code = errs[0].code if len(errs) == 1 else "validation_failed"
        raise ValidationFailed(detail, code=code, errors=errs)


def check(
    terms: OfferTerms,
    *,
    rfo_currency: str,
    now: datetime,
    rfo: RfoBounds | None = None,
    policy: OfferPolicy = DEFAULT_POLICY,
) -> None:
    """Raise ``ValidationFailed`` (400) naming every broken rule; see the module docstring."""
    raise_for(violations(terms, rfo_currency=rfo_currency, now=now, rfo=rfo, policy=policy))


def check_no_price_increase(current_unit_price: int, new_unit_price: int, currency: str, *, allowed: bool) -> None:
    """400 ``price_increase_not_allowed`` (field ``unit_price``) when a revision raises the unit price and
    raises are not allowed: a vendor ranked on one price must not switch to a higher one after the buyer saw
    it. Withdrawing and submitting anew stays possible (visible to the buyer, counted against the limits)."""
    if allowed or new_unit_price <= current_unit_price:
        return
    message = (
        f"the unit price may not rise above the current {current_unit_price} ({currency} minor units) while the "
        "RFO is OPEN; withdraw the offer and submit a new one instead"
    )
    raise ValidationFailed(
        f"A revision may not raise the unit price (currently {current_unit_price}).",
        code="price_increase_not_allowed",
        errors=[FieldError("unit_price", "price_increase_not_allowed", message)],
    )
