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
- ``price_increase_not_allowed`` (``unit_price``, revisions only, :func:`check_revision`): a revision
  raises the unit price while raises are off (``INTENTBID_ALLOW_PRICE_INCREASE``, the default).

Messages name the field and the bound in words (money in minor units of the RFO's currency, with the major-unit
amount), never the value sent; ``params`` carries the same figures (``eta_after_need_by``: ``need_by``,
``latest_delivery_date``, ``max_eta_days``). :func:`violations_of` runs the rules over the fields of a request the
schema refused, so its answer lists these errors together with the schema's.

Without ``rfo`` only the rules that need no RFO figures run (the foundation's behaviour).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from intentbid.config import OfferPolicy
from intentbid.domain import money
from intentbid.domain.clock import to_rfc3339
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


def _price_error(unit_price: int, currency: str, rfo: RfoBounds | None, policy: OfferPolicy) -> FieldError | None:
    unit = money.minor_units(currency)
    if unit_price <= 0:
        return FieldError("unit_price", "price_out_of_range", f"unit_price must be at least 1 ({unit})", {"minimum": 1})
    if rfo is None:
        return None
    total = Decimal(unit_price) * rfo.quantity
    budget = Decimal(rfo.budget_max)
    too_low = bool(policy.price_min_ratio) and total < budget * policy.price_min_ratio
    too_high = bool(policy.price_max_ratio) and total > budget * policy.price_max_ratio
    if not (too_low or too_high):
        return None
    low, high = unit_price_band(rfo, policy)
    band = f"between {low} and {high}" if high is not None else f"at least {low}"
    words = money.major(low, currency) + (f" to {money.major(high, currency)}" if high is not None else "")
    params: dict[str, Any] = {"minimum": low, "currency": currency}
    if high is not None:
        params["maximum"] = high
    return FieldError(
        "unit_price",
        "price_out_of_range",
        f"unit_price must be {band} {unit} ({words}) for this RFO: unit_price x the RFO's quantity must stay "
        "within a band around its budget_max",
        params,
    )


def _quantity_error(quantity: int, rfo: RfoBounds | None, policy: OfferPolicy) -> FieldError | None:
    if quantity < 1:
        return FieldError(
            "quantity_available", "quantity_out_of_range", "quantity_available must be at least 1", {"minimum": 1}
        )
    if rfo is None or not policy.quantity_max_over_ratio:
        return None
    most = math.floor(rfo.quantity * policy.quantity_max_over_ratio)
    if quantity > most:
        return FieldError(
            "quantity_available",
            "quantity_out_of_range",
            f"quantity_available must be at most {most} for this RFO ({policy.quantity_max_over_ratio:g} x its "
            f"quantity of {rfo.quantity})",
            {"minimum": 1, "maximum": most},
        )
    return None


def _delivery_error(
    delivery: datetime, where: str, now: datetime, rfo: RfoBounds | None, policy: OfferPolicy
) -> FieldError | None:
    if delivery < now - timedelta(seconds=policy.delivery_past_grace_s):
        return FieldError(where, "in_past", f"{where} must not be in the past")
    if rfo is None or not policy.enforce_need_by:
        return None
    latest = rfo.need_by + timedelta(seconds=policy.need_by_grace_s)
    if delivery <= latest:
        return None
    max_eta = math.floor((latest - now) / timedelta(days=1))
    need_by = to_rfc3339(rfo.need_by)
    params: dict[str, Any] = {"need_by": need_by, "latest_delivery_date": to_rfc3339(latest)}
    if max_eta >= 0:
        params["max_eta_days"] = max_eta
        eta = f"eta_days at most {max_eta}"
    else:
        eta = "no eta_days can meet it"
    if where == "eta_days":
        message = f"eta_days must be at most {max_eta}: the delivery must arrive by the RFO's need_by, {need_by}"
        if max_eta < 0:
            message = f"the RFO's need_by, {need_by}, is less than a day away: no eta_days meets it"
    else:
        message = (
            f"delivery_date must be on or before {to_rfc3339(latest)}, the RFO's need_by ({need_by}); as eta_days: "
            f"{eta}"
        )
    return FieldError(where, "eta_after_need_by", message, params)


def _rules(
    *,
    unit_price: int | None,
    currency: str | None,
    quantity: int | None,
    delivery: datetime | None,
    where: str,
    confirmed: bool | None,
    valid_until: datetime | None,
    notes: str | None,
    rfo_currency: str,
    now: datetime,
    rfo: RfoBounds | None,
    policy: OfferPolicy,
) -> list[FieldError]:
    """Every rule whose input is given (None: not sent, or refused by the schema), in request order."""
    found = [
        None if unit_price is None else _price_error(unit_price, rfo_currency, rfo, policy),
        None
        if currency is None or currency == rfo_currency
        else FieldError(
            "currency",
            "currency_mismatch",
            f"currency must be the RFO's currency, {rfo_currency}",
            {"allowed": [rfo_currency]},
        ),
        None if quantity is None else _quantity_error(quantity, rfo, policy),
        None if delivery is None else _delivery_error(delivery, where, now, rfo, policy),
        None
        if confirmed is None or confirmed
        else FieldError(
            "availability_confirmed",
            "availability_not_confirmed",
            "availability_confirmed must be true: confirm that you can deliver",
        ),
        None
        if valid_until is None or valid_until > now
        else FieldError("valid_until", "in_past", "valid_until must be in the future"),
        None
        if notes is None or not policy.notes_max_chars or len(notes) <= policy.notes_max_chars
        else FieldError(
            "notes",
            "too_long",
            f"notes must have at most {policy.notes_max_chars} characters",
            {"maxLength": policy.notes_max_chars},
        ),
    ]
    return [x for x in found if x is not None]


def violations(
    terms: OfferTerms,
    *,
    rfo_currency: str,
    now: datetime,
    rfo: RfoBounds | None = None,
    policy: OfferPolicy = DEFAULT_POLICY,
) -> list[FieldError]:
    """Every rule the offer breaks, in a stable order (empty when it is valid)."""
    return _rules(
        unit_price=terms.unit_price,
        currency=terms.currency,
        quantity=terms.quantity_available,
        delivery=terms.delivery_date,
        where=terms.delivery_field,
        confirmed=terms.availability_confirmed,
        valid_until=terms.valid_until,
        notes=terms.notes,
        rfo_currency=rfo_currency,
        now=now,
        rfo=rfo,
        policy=policy,
    )


def violations_of(
    fields: Mapping[str, Any],
    *,
    rfo_currency: str,
    now: datetime,
    rfo: RfoBounds | None = None,
    policy: OfferPolicy = DEFAULT_POLICY,
    current_unit_price: int | None = None,
    allow_price_increase: bool = True,
) -> list[FieldError]:
    """The rules over the fields of a request the schema refused, judging only what was sent and validated
    (``fields``: name -> parsed value), so they are reported together with the schema's errors. A revision
    passes ``current_unit_price`` for :func:`price_increase_error`."""
    eta, date = fields.get("eta_days"), fields.get("delivery_date")
    delivery = delivery_from(eta, date, now) if (eta is None) != (date is None) else None
    errs = _rules(
        unit_price=fields.get("unit_price"),
        currency=fields.get("currency"),
        quantity=fields.get("quantity_available"),
        delivery=delivery,
        where=delivery_field(eta, date),
        confirmed=fields.get("availability_confirmed"),
        valid_until=fields.get("valid_until"),
        notes=fields.get("notes"),
        rfo_currency=rfo_currency,
        now=now,
        rfo=rfo,
        policy=policy,
    )
    unit_price = fields.get("unit_price")
    if current_unit_price is not None and unit_price is not None and not any(x.field == "unit_price" for x in errs):
        increase = price_increase_error(current_unit_price, unit_price, rfo_currency, allowed=allow_price_increase)
        errs += [increase] if increase else []
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


def price_increase_error(
    current_unit_price: int, new_unit_price: int, currency: str, *, allowed: bool
) -> FieldError | None:
    """``price_increase_not_allowed`` (field ``unit_price``) when a revision raises the unit price and raises are
    not allowed: a vendor ranked on one price must not switch to a higher one after the buyer saw it.
    Withdrawing and submitting anew stays possible (visible to the buyer, counted against the limits)."""
    if allowed or new_unit_price <= current_unit_price:
        return None
    message = (
        f"unit_price may not rise above the current {current_unit_price} ({money.minor_units(currency)}, "
        f"{money.major(current_unit_price, currency)}) while the RFO is OPEN; withdraw the offer and submit a new one "
        "instead"
    )
    return FieldError("unit_price", "price_increase_not_allowed", message, {"maximum": current_unit_price})


def check_no_price_increase(current_unit_price: int, new_unit_price: int, currency: str, *, allowed: bool) -> None:
    """400 ``price_increase_not_allowed`` when :func:`price_increase_error` finds one."""
    err = price_increase_error(current_unit_price, new_unit_price, currency, allowed=allowed)
    if err is not None:
        raise _increase_refused(current_unit_price, [err])


def _increase_refused(current_unit_price: int, errs: list[FieldError]) -> ValidationFailed:
    return ValidationFailed(
        f"A revision may not raise the unit price (currently {current_unit_price}).",
        code="price_increase_not_allowed",
        errors=errs,
    )


def check_revision(
    terms: OfferTerms,
    *,
    current_unit_price: int,
    allow_price_increase: bool,
    rfo_currency: str,
    now: datetime,
    rfo: RfoBounds | None = None,
    policy: OfferPolicy = DEFAULT_POLICY,
) -> None:
    """:func:`check` for a revision, with :func:`price_increase_error` reported in the same answer."""
    errs = violations(terms, rfo_currency=rfo_currency, now=now, rfo=rfo, policy=policy)
    increase = price_increase_error(current_unit_price, terms.unit_price, rfo_currency, allowed=allow_price_increase)
    if increase is not None and not any(x.field == "unit_price" for x in errs):
        if not errs:
            raise _increase_refused(current_unit_price, [increase])
        errs.append(increase)
    raise_for(errs)
