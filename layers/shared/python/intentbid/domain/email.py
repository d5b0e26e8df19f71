"""Notification email (API.md "Email"): which event types an account may have emailed, their defaults, and the
templates (plain text + HTML) of each message. Pure: no I/O, no settings.

Rules:

- Emailable types are the catalog's types the account's kind receives, except ``rfo.created`` (it goes to every
  vendor of the environment: emailing it would mean reading every vendor per RFO, and an inbox is no RFO feed —
  webhooks, the event log and the realtime channel are) and ``webhook.test`` (a probe of one endpoint). Asking
  for either is a 400 naming why; ``"*"`` is not accepted (an explicit list, so a new type never starts mailing
  people unasked).
- Defaults (an account that never set them): ``notify_email`` = the registration email, ``email_events`` =
  :data:`DEFAULT_EVENTS` for the kind (the ones an account must not miss).
- Only live events are emailed: sandbox (``ib_test_``) events stay in the sandbox's own channels (its webhook
  endpoints, its event log), per API.md "Sandbox and live never touch" — a sandbox award must never tell a
  vendor's inbox "you won".

Templates never carry a secret (no key, no signing secret, no token): only what the object shows through the API,
escaped for HTML. Values are shortened so a hostile RFO title cannot make an oversized email.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from intentbid.domain import events
from intentbid.domain.errors import FieldError, ValidationFailed

NOT_EMAILED: dict[str, str] = {
    "rfo.created": "rfo.created goes to every vendor and is not emailed: use a webhook, GET /v1/events or realtime",
    "webhook.test": "webhook.test is a probe of one endpoint and is not emailed",
}
DEFAULT_EVENTS: dict[str, tuple[str, ...]] = {
    "vendor": ("offer.won", "webhook.disabled", "billing.payment_failed"),
    "buyer": ("webhook.disabled",),
}
MAX_VALUE_CHARS = 200  # one value shown in a message (a title, a name)


def emailable(kind: str) -> tuple[str, ...]:
    """The event types an account of ``kind`` may have emailed, in catalog order."""
    return tuple(t for t in events.available_to(kind) if t not in NOT_EMAILED)


def defaults(kind: str) -> list[str]:
    return [t for t in emailable(kind) if t in DEFAULT_EVENTS.get(kind, ())]


def email_events(kind: str, requested: Sequence[str], field: str = "email_events") -> list[str]:
    """The list as stored (de-duplicated, catalog order; empty = no email). Every refused entry is named."""
    allowed = emailable(kind)
    listed = ", ".join(allowed)
    errors: list[FieldError] = []
    for i, t in enumerate(requested):
        at = f"{field}[{i}]"
        if t in NOT_EMAILED and t in events.available_to(kind):
            errors.append(FieldError(at, "event_not_emailed", f"{at}: {NOT_EMAILED[t]}", {"allowed": list(allowed)}))
        elif t == events.WILDCARD:
            errors.append(
                FieldError(at, "event_not_emailed", f'{at}: "*" is not accepted for email; list the types: {listed}')
            )
        elif t not in events.CATALOG:
            errors.append(
                FieldError(
                    at,
                    "unknown_event_type",
                    f"{at} is not an event type; a {kind} may have emailed: {listed}",
                    {"allowed": list(allowed)},
                )
            )
        elif t not in allowed:
            errors.append(
                FieldError(
                    at,
                    "event_not_available",
                    f"{at} is never sent to a {kind}; a {kind} may have emailed: {listed}",
                    {"allowed": list(allowed)},
                )
            )
    if errors:
        raise ValidationFailed("The email event types are not valid for this account.", errors=errors)
    wanted = set(requested)
    return [t for t in events.CATALOG if t in wanted]


def wants(stored: Sequence[str] | None, kind: str, event_type: str) -> bool:
    """Whether an account with ``stored`` email events (None: never set, the defaults) is emailed ``event_type``."""
    chosen = defaults(kind) if stored is None else list(stored)
    return event_type in chosen and event_type in emailable(kind)


@dataclass(frozen=True, slots=True)
class Message:
    subject: str
    text: str
    html: str


def _short(value: Any) -> str:
    text = " ".join(str(value if value is not None else "").split())
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _money(obj: Mapping[str, Any]) -> str:
    price = obj.get("price") or obj.get("total_price") or obj.get("amount")
    currency = obj.get("currency") or ""
    if isinstance(price, Mapping):
        currency = price.get("currency") or currency
        price = price.get("amount") or price.get("value")
    return _short(f"{price} {currency}".strip()) if price is not None else ""


def _offer_won(obj: Mapping[str, Any], name: str) -> tuple[str, list[tuple[str, str]], str]:
    rfo = _short(obj.get("rfo_id"))
    rows = [("Offer", _short(obj.get("id"))), ("RFO", rfo)]
    if _money(obj):
        rows.append(("Price", _money(obj)))
    return (
        f"Your offer won RFO {rfo}",
        rows,
        f"Good news{', ' + name if name else ''}: the buyer awarded RFO {rfo} to your offer. "
        "The buyer's next steps reach you through the API (GET /v1/offers/{offer_id}).",
    )


def _webhook_disabled(obj: Mapping[str, Any], name: str) -> tuple[str, list[tuple[str, str]], str]:
    reason = _short(obj.get("disabled_reason") or "failing")
    why = {
        "gone": "it answered 410 Gone",
        "failing": "its deliveries failed continuously for 5 days",
    }.get(reason, reason)
    url = _short(obj.get("url"))
    return (
        f"Webhook endpoint disabled: {url}",
        [("Endpoint", _short(obj.get("id"))), ("URL", url), ("Reason", reason)],
        f"We stopped sending events to {url} because {why}. Fix the receiver, re-enable the endpoint "
        '(PATCH /v1/webhooks/{webhook_id} {"status": "enabled"}) and recover what it missed '
        "(POST /v1/webhooks/{webhook_id}/recover).",
    )


def _payment_failed(obj: Mapping[str, Any], name: str) -> tuple[str, list[tuple[str, str]], str]:
    rows = [("Plan", _short(obj.get("plan")))] if obj.get("plan") else []
    if _money(obj):
        rows.append(("Amount", _money(obj)))
    return (
        "Your IntentBid payment failed",
        rows,
        "Your last payment did not go through. Update your payment method in the billing portal "
        "(POST /v1/billing/portal) before the grace period ends; after it, writes answer 402 payment_required.",
    )


def _generic(event_type: str, obj: Mapping[str, Any]) -> tuple[str, list[tuple[str, str]], str]:
    rows = [("Event", event_type), ("Object", f"{_short(obj.get('object'))} {_short(obj.get('id'))}".strip())]
    if obj.get("status"):
        rows.append(("Status", _short(obj.get("status"))))
    return (f"IntentBid: {event_type}", rows, f"An {event_type} event happened on your account.")


def render(event_type: str, event_id: str, obj: Mapping[str, Any], account_name: str = "") -> Message:
    """The message for one event to one account: subject, plain text and HTML (the same facts in both)."""
    name = _short(account_name)
    if event_type == "offer.won":
        subject, rows, lead = _offer_won(obj, name)
    elif event_type == "webhook.disabled":
        subject, rows, lead = _webhook_disabled(obj, name)
    elif event_type == "billing.payment_failed":
        subject, rows, lead = _payment_failed(obj, name)
    else:
        subject, rows, lead = _generic(event_type, obj)
    footer = (
        f"Event {event_id} ({event_type}). You get this email because {event_type} is in your account's "
        "email_events; change them with PATCH on your account."
    )
    text = "\n".join([lead, "", *(f"{k}: {v}" for k, v in rows), "", "-- ", footer]) + "\n"
    e = html.escape
    cells = "".join(f'<tr><th align="left">{e(k)}</th><td>{e(v)}</td></tr>' for k, v in rows)
    body = (
        '<!doctype html><html><body style="font-family:sans-serif">'
        f'<p>{e(lead)}</p><table>{cells}</table><hr><p style="color:#666;font-size:small">{e(footer)}</p>'
        "</body></html>"
    )
    return Message(subject=subject, text=text, html=body)
