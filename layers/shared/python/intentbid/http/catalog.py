"""The error catalog: every ``code`` the API can answer, with its status, meaning and fix.

A problem's ``type`` is ``/errors/<code>`` (a URI reference resolved against the request URI, RFC 9457 §3.1.1):
``GET /errors`` lists the catalog and ``GET /errors/<code>`` is one entry, as HTML or, with
``Accept: application/json``, as JSON. Statuses come from the one error map (the ``status`` of
each entry's exception class), titles from the exceptions; this module adds the words a client needs. A unit
test proves every code the code base can emit has an entry here (and every entry a meaning and a fix).

The pages reflect no request input: they are built once from this table, with a strict CSP.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from intentbid.domain import errors as e
from intentbid.http import problem


@dataclass(frozen=True, slots=True)
class Entry:
    code: str
    error: type[e.DomainError] | None  # None: not a domain exception (API Gateway's own, or the 500)
    meaning: str
    fix: str
    field: bool = False  # a field error code: appears in ``errors[]`` (and as ``code`` when it is the only failure)
    gateway: tuple[int, str] | None = None  # (status, title) of an answer only API Gateway gives

    @property
    def status(self) -> int:
        if self.gateway is not None:
            return self.gateway[0]
        return self.error.status if self.error is not None else 500

    @property
    def title(self) -> str:
        if self.gateway is not None:
            return self.gateway[1]
        return self.error.title if self.error is not None else "Internal error"

    @property
    def retryable(self) -> bool:
        return self.status in (429, 500, 502, 503, 504)

    def example(self) -> dict[str, Any]:
        """A problem body as the API sends it (a field code shows in ``errors[]`` of a ``validation_failed``)."""
        if self.field:
            item = {"field": "<field>", "code": self.code, "message": self.meaning}
            return problem.problem_body(
                400, "validation_failed", "Validation failed", "1 field(s) failed validation.", "<request id>", [item]
            )
        return problem.problem_body(
            self.status, self.code, self.title, self.meaning, "<request id>", retryable=self.retryable
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "status": self.status,
            "title": self.title,
            "type": problem.type_uri(self.code),
            "field_error": self.field,
            "meaning": self.meaning,
            "fix": self.fix,
            "retryable": self.retryable,
            "example": self.example(),
        }


_V, _F, _C, _T = e.ValidationFailed, e.Forbidden, e.Conflict, e.TooManyRequests
_U = e.Unauthenticated
_RETRY = "Wait for the Retry-After seconds, then retry."

ENTRIES: tuple[Entry, ...] = (
    # --- 400: the request itself
    Entry(
        "invalid_json",
        e.InvalidJson,
        "The body is not a JSON object (empty, malformed, or not UTF-8).",
        "Send a JSON object with 'Content-Type: application/json'.",
    ),
    Entry(
        "validation_failed",
        _V,
        "One or more fields failed validation; errors[] names each field and why.",
        "Fix every field listed in errors[] (all are reported together) and send the request again.",
    ),
    Entry(
        "unknown_parameter",
        _V,
        "The query string carries a parameter this operation does not declare "
        "(often a typo of a filter); errors[] names each one.",
        "Remove or correct the parameter: the message lists the parameters the operation accepts "
        "(also in the OpenAPI document).",
    ),
    Entry(
        "invalid_cursor",
        _V,
        "The cursor is not one this listing produced (edited, truncated, or from another listing).",
        "Send back next_cursor exactly as the previous page returned it, or omit it.",
    ),
    Entry(
        "environment_not_allowed",
        _V,
        "The request names an environment the key may not use (a sandbox key naming live, or the other way round).",
        "Use a key of the environment you mean, or drop the parameter.",
    ),
    Entry(
        "key_not_active",
        _V,
        "The key is revoked or expired, so it cannot be changed or rotated.",
        "Create a new key instead.",
    ),
    # --- 400: field error codes (errors[].code; a single offer or cooldown failure is also the top-level code)
    Entry("required", _V, "A required field is missing.", "Send the field.", field=True),
    Entry(
        "unknown_field",
        _V,
        "The body carries a field the operation does not accept.",
        "Remove the field (check its spelling against the OpenAPI schema).",
        field=True,
    ),
    Entry(
        "invalid_type",
        _V,
        "The value has the wrong JSON type (e.g. a string where a number is expected).",
        "Send the type the schema names; numbers are not quoted, money is integer minor units.",
        field=True,
    ),
    Entry(
        "invalid_format",
        _V,
        "The value does not match the required format (pattern, date-time, header).",
        "Follow the pattern or format in the OpenAPI schema.",
        field=True,
    ),
    Entry(
        "invalid_choice",
        _V,
        "The value is not one of the allowed choices (an enum, or a currency the API does not support); "
        "params.allowed lists them.",
        "Send one of the values the message lists (also the schema's enum).",
        field=True,
    ),
    Entry(
        "out_of_range",
        _V,
        "A number or timestamp lies outside its bounds (timestamps: 1970-2100 UTC); params.minimum / "
        "params.maximum give them.",
        "Send a value within the minimum and maximum the schema gives.",
        field=True,
    ),
    Entry(
        "too_long", _V, "A string or list is longer than allowed.", "Shorten it to the schema's maximum.", field=True
    ),
    Entry(
        "too_short",
        _V,
        "A string or list is shorter than allowed (e.g. no scope at all).",
        "Send at least the schema's minimum.",
        field=True,
    ),
    Entry(
        "timezone_required",
        _V,
        "A timestamp has no time zone.",
        "Send RFC 3339 with a zone, e.g. 2030-01-01T12:00:00Z.",
        field=True,
    ),
    Entry(
        "exactly_one_of",
        _V,
        "Exactly one of two alternative fields must be sent (an offer's delivery_date or eta_days); both or "
        "neither were. Each field involved gets an error; params.fields lists them.",
        "Send exactly one of the fields the message names.",
        field=True,
    ),
    Entry(
        "at_least_one_of",
        _V,
        "A change request carries nothing to change (e.g. an empty offer revision); params.any_of lists the "
        "fields it accepts.",
        "Send at least one of the fields the message names.",
        field=True,
    ),
    Entry(
        "invalid_value",
        _V,
        "The value breaks a rule of its field not covered by a more specific code.",
        "Read the message and the field's schema in the OpenAPI document.",
        field=True,
    ),
    Entry(
        "value_error",
        _V,
        "No longer sent: older versions used it for rules over several fields, now exactly_one_of, "
        "conflicting_fields, at_least_one_of or invalid_choice.",
        "Handle the specific codes instead.",
        field=True,
    ),
    Entry(
        "in_past",
        _V,
        "A date that must lie in the future (or not in the past) does not.",
        "Send a later date.",
        field=True,
    ),
    Entry(
        "need_by_before_deadline",
        _V,
        "The RFO's need_by is before its expires_at (bidding deadline).",
        "Set need_by after expires_at.",
        field=True,
    ),
    Entry(
        "currency_mismatch",
        _V,
        "The offer's currency is not the RFO's.",
        "Price the offer in the RFO's currency.",
        field=True,
    ),
    Entry(
        "price_out_of_range",
        _V,
        "unit_price x the RFO's quantity is outside the band allowed around the budget (or not positive); "
        "params.minimum / params.maximum give the band, in minor units of params.currency.",
        "Send a unit price within the band the message names (integer minor units, e.g. cents).",
        field=True,
    ),
    Entry(
        "quantity_out_of_range",
        _V,
        "quantity_available is below 1 or far above the RFO's quantity.",
        "Offer between 1 and the maximum the message names.",
        field=True,
    ),
    Entry(
        "eta_after_need_by",
        _V,
        "The delivery falls after the RFO's need_by. The message and params name need_by, the latest "
        "delivery_date and the largest eta_days allowed (params.max_eta_days).",
        "Deliver earlier: a delivery_date on or before params.latest_delivery_date, or eta_days at most "
        "params.max_eta_days.",
        field=True,
    ),
    Entry(
        "availability_not_confirmed",
        _V,
        "The offer does not confirm availability.",
        "Send availability_confirmed: true.",
        field=True,
    ),
    Entry(
        "price_increase_not_allowed",
        _V,
        "A revision raises the unit price while the RFO is OPEN.",
        "Keep or lower the price, or withdraw the offer and submit a new one.",
        field=True,
    ),
    Entry(
        "insufficient_improvement",
        _V,
        "A revision does not improve the offer by the minimum step.",
        "Improve the price (or terms) by at least the step the message names.",
        field=True,
    ),
    Entry(
        "conflicting_filters",
        _V,
        "Two filters that exclude each other were given (e.g. target and actor).",
        "Give one of them.",
        field=True,
    ),
    Entry(
        "conflicting_fields",
        _V,
        "Two fields that exclude each other were given (e.g. weights and profile, or a revision's "
        "delivery_date and eta_days).",
        "Give one of them.",
        field=True,
    ),
    Entry("weights_all_zero", _V, "Every scoring weight is zero.", "Give at least one weight above zero.", field=True),
    Entry(
        "unknown_component",
        _V,
        "A weight names a scoring component the version does not have.",
        "Use the components GET /v1/scoring lists for the version.",
        field=True,
    ),
    Entry(
        "unknown_profile", _V, "The weight profile does not exist.", "Use a profile GET /v1/scoring lists.", field=True
    ),
    Entry(
        "unknown_scoring_version",
        _V,
        "The scoring version does not exist.",
        "Use a version GET /v1/scoring lists.",
        field=True,
    ),
    Entry(
        "webhook_url_not_allowed",
        _V,
        "The webhook URL breaks a URL rule: not https, userinfo, a fragment, a name that is no public DNS name, or "
        "an address (literal or resolved) that is loopback, private, link-local, CGNAT, multicast, unspecified, "
        "reserved, a cloud metadata address or an IPv4-mapped form of one.",
        "Give an https URL on a public host name or address, without user:password@ (the README's Webhooks "
        "section lists the rules).",
        field=True,
    ),
    Entry(
        "unknown_event_type",
        _V,
        "An event type is not in the event catalog.",
        'Use types of the catalog (API docs, Events), or ["*"] for every type your kind of account receives.',
        field=True,
    ),
    Entry(
        "event_not_available",
        _V,
        "The event type exists but is never sent to this kind of account (e.g. billing events to a buyer).",
        "Subscribe only to the types the message lists for your kind of account.",
        field=True,
    ),
    Entry(
        "event_not_emailed",
        _V,
        'The event type is never emailed: rfo.created (it goes to every vendor) and webhook.test, or "*".',
        "List only the types the message names; follow rfo.created through a webhook, GET /v1/events or realtime.",
        field=True,
    ),
    Entry(
        "unknown_scope",
        _V,
        "A scope is not one this kind of key can hold.",
        "Use the scopes listed for vendor or buyer keys in the README.",
        field=True,
    ),
    Entry(
        "scope_not_narrowing",
        _V,
        "A key tries to grant a scope the calling key does not hold.",
        "Request only scopes the calling key holds.",
        field=True,
    ),
    Entry(
        "allowlist_not_narrowing",
        _V,
        "An IP allowlist is wider than the calling key's own.",
        "List only addresses inside the calling key's allowlist.",
        field=True,
    ),
    Entry(
        "invalid_cidr",
        _V,
        "An allowlist entry is not an IPv4/IPv6 address or CIDR.",
        "Send entries like 203.0.113.0/24 or 2001:db8::/32.",
        field=True,
    ),
    # --- 401 / 402 / 403
    Entry(
        "unauthenticated",
        _U,
        "No API key, or one the API does not know.",
        "Send 'Authorization: Bearer <key>' with a current key.",
    ),
    Entry("key_revoked", _U, "The API key was revoked.", "Use another key of the account, or create one."),
    Entry(
        "key_expired",
        _U,
        "The API key is past its expiry (or its rotation grace period ended).",
        "Use the successor key, or create a new one.",
    ),
    Entry(
        "plan_limit_exceeded",
        e.PlanLimitExceeded,
        "The account's plan does not allow this.",
        "Upgrade the plan or stay within its limits.",
    ),
    Entry(
        "forbidden",
        _F,
        "This key's kind may not call this endpoint.",
        "Call it with the kind of key the OpenAPI operation names (vendor, buyer or admin).",
    ),
    Entry(
        "insufficient_scope",
        _F,
        "The key lacks a scope this endpoint requires.",
        "Use a key holding the scope, or create one with it.",
    ),
    Entry(
        "ip_not_allowed",
        _F,
        "The caller's IP address is not on the key's allowlist.",
        "Call from an allowed address, or widen the key's allowlist with another key.",
    ),
    # --- 404 / 405
    Entry(
        "not_found",
        e.NotFound,
        "No such resource, or it is not yours (the API does not tell the two apart).",
        "Check the id and that the key belongs to the owning account and environment.",
    ),
    Entry(
        "method_not_allowed",
        e.MethodNotAllowed,
        "The path exists but not with this method.",
        "Use one of the methods in the Allow header.",
    ),
    # --- 409
    Entry(
        "conflict",
        _C,
        "The request conflicts with the current state (e.g. a concurrent change).",
        "Read the resource again and retry with its current state.",
    ),
    Entry(
        "invalid_transition",
        _C,
        "The RFO's status does not allow this action (see the transition table).",
        "Check the RFO's status; the message names the allowed actions.",
    ),
    Entry(
        "rfo_not_open",
        _C,
        "The RFO is not OPEN, so offers or changes are not accepted.",
        "Only act on OPEN RFOs (GET /v1/rfos lists them).",
    ),
    Entry("rfo_expired", _C, "The RFO's bidding deadline has passed.", "Offer on an RFO that is still open."),
    Entry("offer_not_active", _C, "The offer is withdrawn or no longer active.", "Submit a new offer."),
    Entry(
        "offer_changed",
        _C,
        "The offer was revised since the revision (If-Match / offer_revision) you decided on.",
        "Read the offer again (its ETag) and decide on its current revision.",
    ),
    Entry("key_limit_reached", _C, "The account holds the most keys it may.", "Revoke a key you no longer use."),
    Entry(
        "webhook_limit_reached",
        _C,
        "The account holds the most webhook endpoints it may in this environment.",
        "Delete an endpoint you no longer use, or subscribe one endpoint to more event types.",
    ),
    Entry("key_already_rotated", _C, "The key already has its one successor.", "Use (or rotate) the successor."),
    Entry(
        "idempotency_in_flight",
        _C,
        "A request with this Idempotency-Key is still running.",
        "Wait a moment and retry with the same key: you will get its answer.",
    ),
    # --- 413 / 415 / 422
    Entry(
        "payload_too_large",
        e.PayloadTooLarge,
        "The body is larger than the API accepts.",
        "Send a smaller body (the detail names the limit).",
    ),
    Entry(
        "unsupported_media_type",
        e.UnsupportedMediaType,
        "The body's Content-Type is not accepted.",
        "Send 'Content-Type: application/json'.",
    ),
    Entry(
        "idempotency_key_reused",
        e.IdempotencyReused,
        "This Idempotency-Key was used with a different request.",
        "Use a fresh key for a new request; reuse a key only to retry the identical request.",
    ),
    # --- 429
    Entry("rate_limited", _T, "Too many requests for this key, account or address in the current window.", _RETRY),
    Entry(
        "too_many_failed_keys",
        _T,
        "Too many unknown API keys were sent from this address.",
        "Fix the key your client sends; " + _RETRY.lower(),
    ),
    Entry(
        "offer_limit_reached",
        _T,
        "The vendor reached the most offers allowed (per RFO or per hour).",
        "Revise an existing offer, or wait for the window to pass.",
    ),
    Entry("revision_cooldown", _T, "Revisions of one offer are too close together.", _RETRY),
    Entry(
        "vendor_cooldown",
        _T,
        "The vendor is on a cooldown after repeated limit violations.",
        "Wait until the cooldown ends (Retry-After); ops can lift it.",
    ),
    # --- 5xx
    Entry(
        "internal_error",
        None,
        "Something went wrong on our side; it has been logged.",
        "Retry later; if it persists, report the instance (request id).",
    ),
    Entry("service_unavailable", e.ServiceUnavailable, "A dependency is unavailable or overloaded.", _RETRY),
    Entry(
        "bad_gateway",
        None,
        "API Gateway could not get a valid answer from the endpoint.",
        "Retry later; if it persists, report the instance (request id).",
        gateway=(502, "Bad gateway"),
    ),
    Entry(
        "invalid_request",
        None,
        "The request's HTTP framing is broken (a Content-Length that is not a number, a malformed chunked body).",
        "Send a well-formed HTTP/1.1 request; any HTTP client library does.",
        gateway=(400, "Invalid request"),
    ),
    Entry(
        "gateway_timeout",
        None,
        "The endpoint did not answer in time.",
        "Retry later (writes honour Idempotency-Key, so a retry is safe).",
        gateway=(504, "Gateway timeout"),
    ),
    # API Gateway's catch-all 4xx (in practice the specific answers above come first)
    Entry(
        "bad_request",
        None,
        "API Gateway refused the request before it reached the API.",
        "Check the method, path, headers and body against the OpenAPI document.",
        gateway=(400, "Bad request"),
    ),
)

BY_CODE: dict[str, Entry] = {entry.code: entry for entry in ENTRIES}

_STYLE = (
    "body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem}"
    "td,th{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}"
    "pre{background:#f5f5f5;padding:1rem;overflow:auto}code{font-size:90%}"
)
# No script, no request input; the one inline style is allowed by its hash.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'sha256-"
    + base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
    + "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "public, max-age=300",
    "Vary": "Accept",
}


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


@cache
def index_html() -> str:
    rows = "".join(
        f"<tr><td><a href='errors/{x.code}'><code>{x.code}</code></a></td><td>{x.status}</td>"
        f"<td>{html.escape(x.meaning)}</td></tr>"
        for x in sorted(ENTRIES, key=lambda x: (x.status, x.code))
    )
    return _page(
        "IntentBid error catalog",
        "<h1>Error catalog</h1><p>Every error is RFC 9457 <code>application/problem+json</code>; its "
        "<code>type</code> is <code>/errors/&lt;code&gt;</code>, this page's entry. Field error codes appear in "
        "<code>errors[]</code>. Machine-readable: this URL with <code>Accept: application/json</code>. "
        "API docs: <a href='docs'>/docs</a>.</p><table><thead><tr><th>Code</th><th>Status</th><th>Meaning</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>",
    )


@cache
def entry_html(code: str) -> str:
    x = BY_CODE[code]
    where = (
        "<p>A field error code: it appears in <code>errors[]</code> of a 400 <code>validation_failed</code> "
        "(and as the top-level <code>code</code> when it is a request's only failure).</p>"
        if x.field
        else ""
    )
    example = html.escape(json.dumps(x.example(), indent=2, ensure_ascii=False))
    return _page(
        f"{x.code} - IntentBid error",
        f"<p><a href='../errors'>All errors</a></p><h1><code>{x.code}</code></h1>"
        f"<p><strong>{x.status}</strong> {html.escape(x.title)}</p>{where}"
        f"<h2>Meaning</h2><p>{html.escape(x.meaning)}</p><h2>How to fix it</h2><p>{html.escape(x.fix)}</p>"
        f"<h2>Example</h2><pre>{example}</pre>",
    )


@cache
def catalog_json() -> str:
    return json.dumps({"object": "error_catalog", "data": [x.as_dict() for x in ENTRIES]}, ensure_ascii=False)


@cache
def entry_json(code: str) -> str:
    return json.dumps(BY_CODE[code].as_dict(), ensure_ascii=False)


def wants_json(accept: str) -> bool:
    """``Accept`` prefers JSON over HTML (a browser's ``text/html,...`` does not)."""
    accept = accept.lower()
    return ("application/json" in accept or "+json" in accept) and "text/html" not in accept
