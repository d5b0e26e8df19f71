"""The event catalog (API.md "Events"): every webhook and outbox event type, and which kinds of account may
receive it. Webhook subscriptions are checked against it; the delivery fan-out and the OpenAPI ``webhooks``
section will read it too. ``vendor.flagged`` is for ops only: no vendor or buyer endpoint receives it."""

from __future__ import annotations

from collections.abc import Sequence

from intentbid.domain.errors import FieldError, ValidationFailed

WILDCARD = "*"
_BOTH = ("vendor", "buyer")

# type -> the account kinds that may receive it (API.md "Who receives what")
CATALOG: dict[str, tuple[str, ...]] = {
    "rfo.created": _BOTH,
    "rfo.updated": _BOTH,
    "rfo.closed": _BOTH,
    "rfo.reopened": _BOTH,
    "rfo.awarded": _BOTH,
    "rfo.expired": _BOTH,
    "offer.submitted": ("buyer",),
    "offer.revised": ("buyer",),
    "offer.withdrawn": ("buyer",),
    "offer.won": ("vendor",),
    "offer.lost": ("vendor",),
    "vendor.flagged": ("admin",),
    "key.created": _BOTH,
    "key.revoked": _BOTH,
    "webhook.test": _BOTH,
    "webhook.disabled": _BOTH,
    "billing.subscription_updated": ("vendor",),
    "billing.payment_failed": ("vendor",),
    "billing.quota_reached": ("vendor",),
}
MAX_EVENTS = len(CATALOG) + 1


def available_to(kind: str) -> tuple[str, ...]:
    """The event types an account of ``kind`` may subscribe to, in catalog order."""
    return tuple(t for t, kinds in CATALOG.items() if kind in kinds)


def subscription(kind: str, requested: Sequence[str], field: str = "events") -> list[str]:
    """The subscription as stored: ``["*"]`` alone, or the requested types de-duplicated in catalog order.
    Every refused entry is named (unknown type, a type this kind never receives, ``*`` mixed with types)."""
    allowed = available_to(kind)
    listed = ", ".join(allowed)
    errors: list[FieldError] = []
    if not requested:
        errors.append(FieldError(field, "too_short", f'{field} must name at least one event type, or ["*"]'))
    for i, t in enumerate(requested):
        if t == WILDCARD:
            if len(requested) > 1:
                errors.append(
                    FieldError(
                        f"{field}[{i}]", "conflicting_fields", f'"*" must stand alone in {field}: it means every type'
                    )
                )
        elif t not in CATALOG:
            errors.append(
                FieldError(
                    f"{field}[{i}]",
                    "unknown_event_type",
                    f'{field}[{i}] is not an event type; a {kind} endpoint may subscribe to: {listed} (or "*")',
                    {"allowed": list(allowed)},
                )
            )
        elif t not in allowed:
            errors.append(
                FieldError(
                    f"{field}[{i}]",
                    "event_not_available",
                    f"{field}[{i}] is never sent to a {kind}; a {kind} endpoint may subscribe to: {listed}",
                    {"allowed": list(allowed)},
                )
            )
    if errors:
        raise ValidationFailed("The event types are not valid for this endpoint.", errors=errors)
    if WILDCARD in requested:
        return [WILDCARD]
    wanted = set(requested)
    return [t for t in CATALOG if t in wanted]
