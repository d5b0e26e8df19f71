"""Examples for the OpenAPI document, keyed by operation (``Route.function``, the operationId).

Every operation has a success example (none for a 204), at least one error example (a problem as the API
sends it, with a code of the error catalog and the status it is answered with), and a request example when it
takes a body. :mod:`intentbid.openapi` attaches them; ``tests/unit/test_openapi_examples.py`` validates each
against its model and the document, and ``tests/integration/test_openapi_examples_api.py`` sends every request
example to the real handlers and compares the answers with the success examples.

They tell one story, recorded from the real handlers: on 2099-06-01 09:00 UTC (:data:`NOW`) the buyer Contoso
posts an RFO for copy paper, the vendors Northwind and Fabrikam bid, Contoso awards Northwind. The year is far
ahead so that the request examples' dates stay in the future (the server refuses a past bidding deadline or
validity) - except a cooldown's end, which must lie at most 30 days ahead: ``admin_cooldown_set``'s example is
refused with 400 ``out_of_range`` before 2099-05-04 (move ``until`` to within 30 days of your own now).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from intentbid.http.problem import problem_body

NOW = "2099-06-01T09:00:00Z"
LATER = "2099-06-01T09:05:00Z"

BUYER_ID = "buy_01M8TFJ6219981J3T77XKZF3E5"
BUYER_KEY_ID = "key_01M8TFJ62108PD1KGV7BMCKNKF"
VENDOR_ID = "ven_01M8TFJ5ZDH3XYFQCEVEMVT93T"  # Northwind
VENDOR_KEY_ID = "key_01M8TFJ5ZD7MHXKHJ8WVYWXCYV"
OTHER_VENDOR_ID = "ven_01M8TFJ629FTF7Q6GH6XMRQ2B1"  # Fabrikam
ADMIN_ID = "adm_01M8TFHZQ4C8V2R7N5K0W3JD6B"
CI_KEY_ID = "key_01M8TFJ76PN0SGPRS50Z6XH7CS"  # a vendor key made for CI, then rotated
CI_SUCCESSOR_KEY_ID = "key_01M8TFJ789Q5CAVAMQJB732H7B"
RFO_ID = "rfo_01M8TFJ69GA4310MFRMAJ2HDXS"
OFFER_ID = "off_01M8TFJ6CS0JMVH89KEZ8FA9AM"  # Northwind's
OTHER_OFFER_ID = "off_01M8TFJ6DPK0H3ZMV0E1220Z3Y"  # Fabrikam's
PUBLIC_TOKEN = "pub_-z_r2EaKs7N28btCvH9DIgvFcSNdaxkhTbDkjlGHgeM"  # noqa: S105 - an example, valid nowhere
CURSOR = "eyJwayI6eyJTIjoiUkZPI3Jmb18wMU04VEZKNjlHQTQzMTBNRlJNQUoySERYUyJ9fQ"

VENDOR_SCOPES = [
    "billing:manage",
    "billing:read",
    "keys:manage",
    "offers:read",
    "offers:write",
    "profile:manage",
    "rfos:read",
    "webhooks:manage",
]
BUYER_SCOPES = ["keys:manage", "offers:read", "rfos:read", "rfos:write", "webhooks:manage"]
WEIGHTS = {"price": "0.700000", "delivery": "0.100000", "availability": "0.100000", "reliability": "0.100000"}
BALANCED = {"price": "0.450000", "delivery": "0.250000", "availability": "0.150000", "reliability": "0.150000"}
PENALTY_CAPS = {"late": "0.500000", "partial": "0.250000", "expiry": "0.250000"}
NO_PENALTIES = {"late": "0.000000", "partial": "0.000000", "expiry": "0.000000"}


@dataclass(frozen=True, slots=True)
class Examples:
    success: Any  # the success answer's body (None: a 204 has no content)
    errors: tuple[dict[str, Any], ...]  # problem bodies; each names its status
    request: Any = None  # the body, for an operation that takes one
    summary: str = ""  # what the request example does


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    errors: list[dict[str, str]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A problem body exactly as the error map writes it (``instance`` is the request id)."""
    retryable = status in (429, 500, 503)
    return problem_body(status, code, title, detail, "6f1a6e94-079c-4d80-a47e-7c68eaaef202", errors, retryable, extra)


def _field(field: str, code: str, message: str) -> dict[str, str]:
    return {"field": field, "code": code, "message": message}


def _invalid(detail: str, *errors: dict[str, str], code: str = "validation_failed") -> dict[str, Any]:
    return problem(400, code, "Validation failed", detail, list(errors))


def _not_found(what: str) -> dict[str, Any]:
    return problem(404, "not_found", "Not found", f"No such {what}.")


def _unknown_parameter(name: str, accepted: str = "This operation takes no query parameters.") -> dict[str, Any]:
    return problem(
        400,
        "unknown_parameter",
        "Validation failed",
        f"Unknown query parameter(s): {name}. {accepted}",
        [_field(name, "unknown_parameter", f"'{name}' is not a query parameter here. {accepted}")],
    )


UNAUTHENTICATED = problem(401, "unauthenticated", "Authentication required", "This API key is not valid.")
INVALID_CURSOR = problem(
    400,
    "invalid_cursor",
    "Validation failed",
    "The cursor is not valid; start again without it.",
    [_field("cursor", "invalid_cursor", "not a cursor")],
)
IDEMPOTENCY_REUSED = problem(
    422,
    "idempotency_key_reused",
    "Idempotency key reused with a different request",
    "This Idempotency-Key was used with a different request; use a new key for a new request.",
)


def _rate_limited(quota: int, window_s: int, scope: str) -> dict[str, Any]:
    return problem(
        429, "rate_limited", "Too many requests", f"Rate limit of {quota} requests per {window_s} s {scope} exceeded."
    )


def _insufficient_scope(scope: str) -> dict[str, Any]:
    return problem(403, "insufficient_scope", "Forbidden", f"This key lacks the scope(s): {scope}.")


def _forbidden(kind: str) -> dict[str, Any]:
    return problem(403, "forbidden", "Forbidden", f"A {kind} key cannot call this endpoint.")


def _transition(action: str, status: str, allowed: list[str]) -> dict[str, Any]:
    now = ", ".join(allowed) if allowed else "nothing (final)"
    return problem(
        409,
        "invalid_transition",
        "Conflict",
        f"Cannot {action} an RFO that is {status}; allowed now: {now}.",
        rfo_status=status,
        allowed_actions=allowed,
    )


# --- objects of the story, as the API answers them

RFO_REQUEST = {
    "title": "A4 copy paper, 80 gsm",
    "description": "White, FSC certified, 500 sheets a ream, 5 reams a box.",
    "category": "office-supplies",
    "quantity": 200,
    "unit": "box",
    "budget_max": 900_000,
    "currency": "EUR",
    "delivery_region": "eu-west",
    "need_by": "2099-07-01T00:00:00Z",
    "expires_at": "2099-06-08T17:00:00Z",
    "disclosure": "own_rank",
}
RFO = {
    "id": RFO_ID,
    "object": "rfo",
    "buyer_id": BUYER_ID,
    "status": "OPEN",
    "status_reason": None,
    **{k: v for k, v in RFO_REQUEST.items() if k != "disclosure"},
    "scoring_version": "v2",
    "weights": WEIGHTS,
    "disclosure": "own_rank",
    "ranking_status": "current",
    "livemode": True,
    "awarded_offer_id": None,
    "allowed_actions": ["close", "award", "delete"],
    "created_at": NOW,
    "updated_at": NOW,
}
OFFER_REQUEST = {
    "unit_price": 3_950,
    "currency": "EUR",
    "quantity_available": 200,
    "eta_days": 5,
    "availability_confirmed": True,
    "valid_until": "2099-06-20T00:00:00Z",
    "notes": "Free delivery to the loading dock.",
}
OFFER = {
    "id": OFFER_ID,
    "object": "offer",
    "rfo_id": RFO_ID,
    "vendor_id": VENDOR_ID,
    "status": "active",
    "unit_price": 3_950,
    "currency": "EUR",
    "quantity_available": 200,
    "total_price": 790_000,
    "delivery_date": "2099-06-06T09:00:00Z",
    "availability_confirmed": True,
    "valid_until": "2099-06-20T00:00:00Z",
    "notes": "Free delivery to the loading dock.",
    "revision": 1,
    "rank": 1,
    "rank_hidden_reason": None,
    "livemode": True,
    "submitted_at": NOW,
    "updated_at": NOW,
}
OTHER_OFFER = {
    **OFFER,
    "id": OTHER_OFFER_ID,
    "vendor_id": OTHER_VENDOR_ID,
    "unit_price": 4_100,
    "total_price": 820_000,
    "delivery_date": "2099-06-04T09:00:00Z",
    "notes": None,
    "rank": 2,
}
REVISED_OFFER = {
    **OFFER,
    "unit_price": 3_890,
    "total_price": 778_000,
    "delivery_date": "2099-06-05T09:05:00Z",
    "revision": 2,
    "rank": None,
    "updated_at": LATER,
}


def _key(key_id: str, name: str, scopes: list[str], **fields: Any) -> dict[str, Any]:
    return {
        "id": key_id,
        "object": "api_key",
        "key_id": key_id,
        "name": name,
        "prefix": "ib_live_",
        "last4": "93qA",
        "status": "active",
        "scopes": scopes,
        "ip_allowlist": [],
        "environment": "live",
        "created_at": NOW,
        "last_used_at": None,
        "expires_at": None,
        "revoked_at": None,
        "successor_key_id": None,
        **fields,
    }


VENDOR_KEY = _key(VENDOR_KEY_ID, "default", VENDOR_SCOPES, last_used_at=LATER)
BUYER_KEY = _key(BUYER_KEY_ID, "default", BUYER_SCOPES, last4="fG1a", last_used_at=LATER)
KEY_CREATE = {
    "name": "ci-deploy",
    "scopes": ["offers:read"],
    "ip_allowlist": ["198.51.100.0/24"],
    "expires_at": "2099-12-31T23:59:59Z",
}
CI_KEY = _key(
    CI_KEY_ID,
    "ci-deploy",
    ["offers:read"],
    last4="K390",
    ip_allowlist=["198.51.100.0/24"],
    expires_at=KEY_CREATE["expires_at"],
)
CI_KEY_CREATED = {"key": CI_KEY, "api_key": "ib_live_Qb7rT2xWm9KcLp4ZsN8dV3hY6fJ1K390"}
VENDOR_EMAIL_EVENTS = ["offer.won", "webhook.disabled", "billing.payment_failed"]
VENDOR_SECRET = "ib_live_jG6DixyCRUAtXgfQCh8d9Q3CBVr293qA"  # noqa: S105 - an example, valid nowhere


def _keys(kind: str, key: dict[str, Any], scopes: list[str], read: str) -> dict[str, Examples]:
    """The five key operations of one principal kind (the same story for vendors and buyers): a read-only
    (``read``) key for CI is made, listed, renamed, rotated and revoked."""
    ci_key = {**CI_KEY, "scopes": [read]}
    patched = {**ci_key, "name": "ci-readonly"}
    successor = {
        **patched,
        "id": CI_SUCCESSOR_KEY_ID,
        "key_id": CI_SUCCESSOR_KEY_ID,
        "last4": "vT5V",
        "created_at": LATER,
    }
    return {
        f"{kind}_key_create": Examples(
            request={**KEY_CREATE, "scopes": [read]},
            summary="A read-only key for CI, usable from one network, expiring at the end of 2099",
            success={**CI_KEY_CREATED, "key": ci_key},
            errors=(
                _invalid(
                    "The scopes are not valid for this key.",
                    _field("scopes[0]", "unknown_scope", f"a {kind} key can hold: {', '.join(scopes)}"),
                ),
                problem(
                    409,
                    "key_limit_reached",
                    "Conflict",
                    "At most 10 active keys per environment; revoke one first.",
                    limit=10,
                ),
            ),
        ),
        f"{kind}_key_list": Examples(
            success={"object": "list", "data": [key, ci_key], "next_cursor": None},
            errors=(_insufficient_scope("keys:manage"), _not_found(kind), INVALID_CURSOR),
        ),
        f"{kind}_key_revoke": Examples(
            success={
                **patched,
                "status": "revoked",
                "expires_at": "2099-06-01T10:05:00Z",  # the rotation's grace end, cut short by the revocation
                "revoked_at": LATER,
                "successor_key_id": CI_SUCCESSOR_KEY_ID,
            },
            errors=(_not_found("key"),),
        ),
        f"{kind}_key_rotate": Examples(
            request={"grace_seconds": 3_600},
            summary="Rotate with one hour's grace: the old key keeps working until then",
            success={"key": successor, "api_key": "ib_live_mLhNfYG8kU5lXzrmwmUeYMCMPZlivT5V"},
            errors=(
                problem(
                    409,
                    "key_already_rotated",
                    "Conflict",
                    f"This key was already rotated; its successor is {CI_SUCCESSOR_KEY_ID}.",
                    successor_key_id=CI_SUCCESSOR_KEY_ID,
                ),
                problem(
                    400,
                    "key_not_active",
                    "Validation failed",
                    "This key is revoked; create a new key instead.",
                ),
            ),
        ),
        f"{kind}_key_patch": Examples(
            request={"name": "ci-readonly"},
            summary="Rename a key",
            success=patched,
            errors=(
                _invalid(
                    "The scopes are not valid for this key.",
                    _field("scopes[0]", "scope_not_narrowing", f"a {kind} key can hold: {read}"),
                ),
                _not_found("key"),
            ),
        ),
    }


def _explain_entry() -> dict[str, Any]:
    return {
        "rank": 1,
        "offer_id": OFFER_ID,
        "vendor_id": VENDOR_ID,
        "inputs": {
            "unit_price": 3_950,
            "quantity_available": 200,
            "delivery_date": "2099-06-06T09:00:00.000000Z",
            "submitted_at": "2099-06-01T09:00:00.000000Z",
            "valid_until": "2099-06-20T00:00:00.000000Z",
            "vendor_stats": None,
        },
        "anchors": {
            "quantity": 200,
            "budget_max": 900_000,
            "need_by": "2099-07-01T00:00:00.000000Z",
            "created_at": "2099-06-01T09:00:00.000000Z",
            "expires_at": "2099-06-08T17:00:00.000000Z",
            "horizon_us": 2_559_600_000_000,
            "window_us": 633_600_000_000,
        },
        "components": {
            "price": "0.122222",
            "delivery": "0.831224",
            "availability": "1.000000",
            "reliability": "0.500000",
        },
        "weights": WEIGHTS,
        "contributions": {
            "price": "0.085555",
            "delivery": "0.083122",
            "availability": "0.100000",
            "reliability": "0.050000",
        },
        "penalties": NO_PENALTIES,
        "score": "0.318677",
        "tie_break_key": [
            "-0.318677",
            3_950,
            "2099-06-06T09:00:00.000000Z",
            "2099-06-01T09:00:00.000000Z",
            "ecc8c180ceba9dd066ce7e8c89a5e81b8b7d4bbd8d2bfb6b827688fed25e2f9e",
        ],
        "revision": 1,
        "awardable": True,
        "not_awardable_reason": None,
        "not_awardable_detail": None,
    }


VENDOR_NAMES = {VENDOR_ID: "Northwind Office Supply", OTHER_VENDOR_ID: "Fabrikam Paper"}


def _ranking_row(offer: dict[str, Any], rank: int, score: str, components: dict[str, str]) -> dict[str, Any]:
    return {
        "rank": rank,
        "offer_id": offer["id"],
        "vendor_id": offer["vendor_id"],
        "vendor_name": VENDOR_NAMES[offer["vendor_id"]],
        "score": score,
        "components": components,
        "penalties": NO_PENALTIES,
        **{k: offer[k] for k in ("unit_price", "total_price", "delivery_date", "valid_until", "revision")},
        "awardable": True,
        "not_awardable_reason": None,
    }


V2_FORMULA = (
    "v2 - every value is normalised against the RFO's own anchors, never against other offers (no rank "
    "reversal).\n  score = sum(quantize(weight_c * component_c)) - sum(penalties), weights normalised to sum "
    "exactly 1\n  order = score desc, unit_price asc, delivery_date asc, submitted_at asc, sha256(rfo_id:offer_id) asc"
)
V1_FORMULA = (
    "price    = clamp((budget_max - unit_price * quantity) / budget_max, 0, 1)\n"
    "    delivery = clamp((need_by - delivery_date) / (need_by - rfo_created_at), 0, 1)\n"
    "    score    = sum(quantize(weight_c * component_c))  with weights normalised to sum 1"
)
ORDER = ["score desc", "unit_price asc", "delivery_date asc", "submitted_at asc", "sha256(rfo_id:offer_id) asc"]
HISTORY_CREATE = {
    "id": "aud_01M8TFJ69G0NM89HEKKD8AB3RR",
    "object": "audit_entry",
    "action": "create",
    "actor": {"kind": "buyer", "id": BUYER_ID, "key_id": BUYER_KEY_ID},
    "from_status": None,
    "to_status": "OPEN",
    "reason": None,
    "payload": {"rfo_id": RFO_ID, "category": "office-supplies", "expires_at": RFO["expires_at"]},
    "at": NOW,
}
HISTORY_AWARD = {
    **HISTORY_CREATE,
    "id": "aud_01M8TFPX3B6R2WQH0N9ZK4TJ7E",
    "action": "award",
    "from_status": "OPEN",
    "to_status": "AWARDED",
    "reason": "Best price and delivery",
    "payload": {"offer_id": OFFER_ID, "unit_price": 3_890, "total_price": 778_000, "offer_revision": 2},
    "at": LATER,
}
COOLDOWN_REASON = "Repeated out-of-band pricing"
AWARDED = {
    **RFO,
    "status": "AWARDED",
    "status_reason": "Best price and delivery",
    "awarded_offer_id": OFFER_ID,
    "allowed_actions": [],
    "updated_at": LATER,
}
CLOSED = {**RFO, "status": "CLOSED", "status_reason": "Budget review", "allowed_actions": ["award", "reopen", "delete"]}


WEBHOOK_ID = "whk_01M8TFJ7A2D4QK8V6S1W3YB5NC"
WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3EzkdU5zpSI="  # noqa: S105 - an example, valid nowhere
WEBHOOK = {
    "id": WEBHOOK_ID,
    "object": "webhook_endpoint",
    "url": "https://hooks.northwind.example/intentbid",
    "events": ["rfo.created", "offer.won", "offer.lost"],
    "status": "enabled",
    "description": "Order desk",
    "environment": "live",
    "created_at": NOW,
    "updated_at": NOW,
    "disabled_reason": None,
    "secret_rotated_at": None,
    "previous_secret_expires_at": None,
    "last_delivery": None,
}
DELIVERY_ATTEMPTS = [
    {
        "attempt": 1,
        "at": NOW,
        "status": "failed",
        "response_status": 503,
        "response_ms": 212,
        "response_excerpt": "upstream unavailable",
        "error": "http_status",
    },
    {
        "attempt": 2,
        "at": LATER,
        "status": "succeeded",
        "response_status": 200,
        "response_ms": 48,
        "response_excerpt": "ok",
        "error": None,
    },
]
DELIVERY = {
    "id": "dlv_01M8TFJ7A2D4QK8V6S1W3YB5ND",
    "object": "webhook_delivery",
    "webhook_id": WEBHOOK_ID,
    "event_id": "evt_01M8TFJ7A2D4QK8V6S1W3YB5NE",
    "event_type": "rfo.created",
    "status": "succeeded",
    "attempt": 2,
    "response_status": 200,
    "response_ms": 48,
    "response_excerpt": "ok",
    "error": None,
    "next_attempt_at": None,
    "at": LATER,
    "event_created_at": NOW,
    "attempts": None,
}
LAST_DELIVERY = {
    "id": DELIVERY["id"],
    "object": "webhook_last_delivery",
    "event_type": "rfo.created",
    "status": "succeeded",
    "attempt": 2,
    "response_status": 200,
    "response_ms": 48,
    "error": None,
    "at": LATER,
}
WEBHOOK_SEEN = {**WEBHOOK, "last_delivery": LAST_DELIVERY}  # GET and list read the newest delivery
WEBHOOK_URL_REFUSED = problem(
    400,
    "webhook_url_not_allowed",
    "Validation failed",
    "The webhook URL is not allowed: it is a private address.",
    [_field("url", "webhook_url_not_allowed", "url is not allowed: it is a private address")],
)
WEBHOOK_EXAMPLES: dict[str, Examples] = {
    "webhook_create": Examples(
        request={
            "url": "https://hooks.northwind.example/intentbid",
            "events": ["rfo.created", "offer.won", "offer.lost"],
            "description": "Order desk",
        },
        summary="Northwind's order desk receives new RFOs and the outcome of its offers",
        success={"webhook": WEBHOOK, "secret": WEBHOOK_SECRET},
        errors=(
            WEBHOOK_URL_REFUSED,
            _invalid(
                "The event types are not valid for this endpoint.",
                _field("events[1]", "unknown_event_type", "events[1] is not an event type"),
            ),
            problem(
                409,
                "webhook_limit_reached",
                "Conflict",
                "This account already holds 20 live webhook endpoints, the most allowed: delete one first.",
                limit=20,
            ),
        ),
    ),
    "webhook_list": Examples(
        success={"object": "list", "data": [WEBHOOK_SEEN], "next_cursor": None},
        errors=(_insufficient_scope("webhooks:manage"), INVALID_CURSOR),
    ),
    "webhook_get": Examples(success=WEBHOOK_SEEN, errors=(_not_found("webhook endpoint"),)),
    "webhook_patch": Examples(
        request={"status": "enabled"},
        summary="Re-enable an endpoint after fixing the receiver",
        success={**WEBHOOK, "updated_at": LATER},
        errors=(WEBHOOK_URL_REFUSED, _not_found("webhook endpoint")),
    ),
    "webhook_delete": Examples(success=None, errors=(_not_found("webhook endpoint"),)),
    "webhook_test": Examples(
        request={"type": "webhook.test"},
        summary="A signed webhook.test event to check the receiver and its signature check",
        success={
            "delivery": {
                **DELIVERY,
                "id": "dlv_01M8TFK0000000000000000001",
                "event_type": "webhook.test",
                "status": "pending",
                "attempt": 0,
                "response_status": None,
                "response_ms": None,
                "response_excerpt": None,
                "error": None,
                "next_attempt_at": LATER,
            }
        },
        errors=(_not_found("webhook endpoint"),),
    ),
    "webhook_deliveries": Examples(
        success={"object": "list", "data": [DELIVERY], "next_cursor": None},
        errors=(_not_found("webhook endpoint"), INVALID_CURSOR),
    ),
    "webhook_delivery_get": Examples(
        success={**DELIVERY, "attempts": DELIVERY_ATTEMPTS},
        errors=(_not_found("delivery"),),
    ),
    "webhook_delivery_retry": Examples(
        success={"delivery": {**DELIVERY, "status": "pending", "next_attempt_at": LATER}},
        errors=(_not_found("delivery"),),
    ),
    "event_list": Examples(
        success={
            "object": "list",
            "data": [
                {
                    "id": "evt_01M8TFJ7A2D4QK8V6S1W3YB5NF",
                    "type": "offer.won",
                    "created_at": LATER,
                    "livemode": True,
                    "data": {"object": {**OFFER, "status": "won"}},
                },
                {
                    "id": "evt_01M8TFJ7A2D4QK8V6S1W3YB5NE",
                    "type": "rfo.created",
                    "created_at": NOW,
                    "livemode": True,
                    "data": {"object": {**RFO, "buyer_id": None, "allowed_actions": []}},
                },
            ],
            "next_cursor": "eyJvd24iOnsiUyI6Ii0ifSwiYXVkIjp7IlMiOiIifX0",
        },
        errors=(
            _invalid(
                "The event type is not one this account receives.",
                _field(
                    "type",
                    "event_not_available",
                    "type must be an event type a vendor receives: rfo.created, rfo.updated, rfo.closed, "
                    "rfo.reopened, rfo.awarded, rfo.expired, offer.won, offer.lost, key.created, key.revoked, "
                    "webhook.test, webhook.disabled, billing.subscription_updated, billing.payment_failed, "
                    "billing.quota_reached",
                ),
            ),
            INVALID_CURSOR,
        ),
    ),
    "webhook_recover": Examples(
        request={"since": NOW},
        summary="After an outage: send again everything that failed since 09:00",
        success={"object": "webhook_recovery", "queued": 12},
        errors=(
            _invalid("until is before since.", _field("until", "out_of_range", "until must not be before since")),
            _not_found("webhook endpoint"),
        ),
    ),
    "webhook_rotate": Examples(
        request={"grace_seconds": 3_600},
        summary="A new secret; the old one keeps signing for an hour",
        success={
            "object": "webhook_secret",
            "webhook_id": WEBHOOK_ID,
            "secret": "whsec_3q2+7wQ6tUu2oVvBmn8f8yq1b0cR6rYw5Hk0dGkX1bA=",
            "previous_secret_expires_at": "2099-06-01T10:00:00Z",
        },
        errors=(
            _invalid(
                "Validation failed.",
                _field("grace_seconds", "out_of_range", "grace_seconds must be between 0 and 604800"),
            ),
            _not_found("webhook endpoint"),
        ),
    ),
}


EXAMPLES: dict[str, Examples] = {
    # --- meta
    "health": Examples(success={"status": "ok", "checks": None}, errors=(_unknown_parameter("verbose"),)),
    "ready": Examples(
        success={"status": "ok", "checks": {"store": "ok"}},
        errors=(
            problem(
                503,
                "service_unavailable",
                "Service unavailable",
                "The store is not reachable.",
                checks={"store": "unavailable"},
            ),
            _rate_limited(60, 60, "per source IP"),
        ),
    ),
    "openapi": Examples(
        success={"openapi": "3.1.0", "info": {"title": "IntentBid API", "version": "0.1.0"}, "paths": {}},
        errors=(_unknown_parameter("format"),),
    ),
    "docs": Examples(
        success="<!doctype html><html lang='en'><head><meta charset='utf-8'><title>IntentBid API docs</title>…",
        errors=(_unknown_parameter("lang"),),
    ),
    "errors": Examples(
        success="<!doctype html><html lang='en'><head><meta charset='utf-8'><title>IntentBid errors</title>…",
        errors=(_unknown_parameter("lang"),),
    ),
    "error_entry": Examples(
        success="<!doctype html><html lang='en'><head><meta charset='utf-8'><title>offer_changed</title>…",
        errors=(problem(404, "not_found", "Not found", "No such error code: GET /errors lists them all."),),
    ),
    # --- accounts
    "vendor_register": Examples(
        request={
            "name": "Northwind Office Supply",
            "email": "sales@northwind.example",
            "company": "Northwind Traders Ltd",
            "website": "https://northwind.example",
        },
        summary="Register a vendor; the answer carries its first (live) key's secret, once",
        success={
            "vendor": {
                "id": VENDOR_ID,
                "object": "vendor",
                "name": "Northwind Office Supply",
                "email": "sales@northwind.example",
                "status": "active",
                "created_at": NOW,
                "notify_email": "sales@northwind.example",
                "email_events": VENDOR_EMAIL_EVENTS,
            },
            "api_key": VENDOR_SECRET,
            "key": {**VENDOR_KEY, "last_used_at": None},
        },
        errors=(
            _invalid(
                "1 field(s) failed validation.",
                _field("email", "invalid_format", "must be an email address, e.g. sales@northwind.example"),
            ),
            _rate_limited(10, 3_600, "per source IP"),
        ),
    ),
    "buyer_register": Examples(
        request={"name": "Contoso Procurement", "email": "procurement@contoso.example", "sandbox": False},
        summary="Register a buyer; the answer carries its first (live) key's secret, once",
        success={
            "buyer": {
                "id": BUYER_ID,
                "object": "buyer",
                "name": "Contoso Procurement",
                "email": "procurement@contoso.example",
                "status": "active",
                "created_at": NOW,
                "notify_email": "procurement@contoso.example",
                "email_events": ["webhook.disabled"],
            },
            "api_key": "ib_live_4Tq9Zx2LmB7nWc5RkV8pY3dH6sJ0fG1a",
            "key": {**BUYER_KEY, "last_used_at": None},
        },
        errors=(
            _invalid("1 field(s) failed validation.", _field("name", "required", "name is required")),
            IDEMPOTENCY_REUSED,
        ),
    ),
    "realtime_ticket": Examples(
        success={
            "ticket": "rtk_Jx3Q9bK2mVw7YtR4nLp8sDf1gHz6cEa0uBo5iNq2TkM",
            "url": "wss://ws.intentbid.example/prod",
            "expires_in": 60,
        },
        errors=(
            _forbidden("admin"),
            problem(
                503,
                "service_unavailable",
                "Service unavailable",
                "The realtime channel is not configured on this stage.",
            ),
        ),
    ),
    "me": Examples(
        success={
            "object": "principal",
            "kind": "buyer",
            "id": BUYER_ID,
            "name": "Contoso Procurement",
            "key_id": BUYER_KEY_ID,
            "scopes": BUYER_SCOPES,
            "environment": "live",
            "notify_email": "procurement@contoso.example",
            "email_events": ["webhook.disabled"],
        },
        errors=(UNAUTHENTICATED,),
    ),
    "vendor_patch": Examples(
        request={"notify_email": "bids@northwind.example", "email_events": ["offer.won", "offer.lost"]},
        summary="Send offer.won and offer.lost emails to another address",
        success={
            "id": VENDOR_ID,
            "object": "vendor",
            "name": "Northwind Office Supply",
            "email": "sales@northwind.example",
            "status": "active",
            "created_at": NOW,
            "notify_email": "bids@northwind.example",
            "email_events": ["offer.won", "offer.lost"],
        },
        errors=(
            _invalid(
                "The email event types are not valid for this account.",
                _field(
                    "email_events[0]",
                    "event_not_emailed",
                    "email_events[0]: rfo.created goes to every vendor and is not emailed: use a webhook, "
                    "GET /v1/events or realtime",
                ),
            ),
            _not_found("vendor"),
        ),
    ),
    "buyer_patch": Examples(
        request={"email_events": []},
        summary="Stop every notification email",
        success={
            "id": BUYER_ID,
            "object": "buyer",
            "name": "Contoso Procurement",
            "email": "procurement@contoso.example",
            "status": "active",
            "created_at": NOW,
            "notify_email": "procurement@contoso.example",
            "email_events": [],
        },
        errors=(_not_found("buyer"),),
    ),
    **_keys("vendor", VENDOR_KEY, VENDOR_SCOPES, "offers:read"),
    **_keys("buyer", BUYER_KEY, BUYER_SCOPES, "rfos:read"),
    # --- RFOs
    "rfo_create": Examples(
        request=RFO_REQUEST,
        summary="200 boxes of copy paper by July, bids until 8 June; vendors see their own rank",
        success=RFO,
        errors=(
            _invalid(
                "The RFO's dates are not valid.",
                _field("expires_at", "in_past", "the bidding deadline must be in the future"),
            ),
            _insufficient_scope("rfos:write"),
        ),
    ),
    "rfo_list": Examples(
        success={"object": "list", "data": [{**RFO, "buyer_id": None, "allowed_actions": []}], "next_cursor": CURSOR},
        errors=(
            INVALID_CURSOR,
            _unknown_parameter("stauts", "This operation accepts: limit, cursor, status, category, delivery_region."),
        ),
    ),
    "rfo_get": Examples(success=RFO, errors=(_not_found("RFO"),)),
    "ranking": Examples(
        success={
            "object": "ranking",
            "rfo_id": RFO_ID,
            "scoring_version": "v2",
            "weights": WEIGHTS,
            "ranking_status": "current",
            "data": [
                _ranking_row(
                    OFFER,
                    1,
                    "0.318677",
                    {
                        "price": "0.122222",
                        "delivery": "0.831224",
                        "availability": "1.000000",
                        "reliability": "0.500000",
                    },
                ),
                _ranking_row(
                    OTHER_OFFER,
                    2,
                    "0.302095",
                    {
                        "price": "0.088889",
                        "delivery": "0.898734",
                        "availability": "1.000000",
                        "reliability": "0.500000",
                    },
                ),
            ],
            "next_cursor": None,
        },
        errors=(_forbidden("vendor"), _not_found("RFO")),
    ),
    "rfo_close": Examples(
        request={"reason": "Budget review"},
        summary="Stop bidding now (award or reopen later)",
        success=CLOSED,
        errors=(_transition("close", "AWARDED", []), _not_found("RFO")),
    ),
    "rfo_award": Examples(
        request={"offer_id": OFFER_ID, "offer_revision": 2, "reason": "Best price and delivery"},
        summary="Award Northwind's offer at the revision the buyer saw (409 offer_changed if it moved since)",
        success=AWARDED,
        errors=(
            problem(
                409,
                "offer_changed",
                "Conflict",
                "The offer changed since you saw it: it is now at revision 3 (unit_price 3850 EUR). Review the "
                "ranking or the offer again and award with offer_revision 3 if you still want it.",
                offer_id=OFFER_ID,
                current_revision=3,
                current_etag='"4fddc00ccbcec342856291857a65db82"',
            ),
            problem(409, "offer_not_active", "Conflict", "The offer is withdrawn."),
        ),
    ),
    "rfo_reopen": Examples(
        request={"expires_at": "2099-06-15T17:00:00Z", "reason": "Budget approved"},
        summary="Reopen a closed RFO with a new bidding deadline",
        success={**RFO, "status_reason": "Budget approved", "expires_at": "2099-06-15T17:00:00Z", "updated_at": LATER},
        errors=(_transition("reopen", "OPEN", ["close", "award", "delete"]),),
    ),
    "rfo_delete": Examples(success=None, errors=(_transition("delete", "AWARDED", []), _not_found("RFO"))),
    "rfo_history": Examples(
        success={"object": "list", "data": [HISTORY_CREATE, HISTORY_AWARD], "next_cursor": None},
        errors=(_not_found("RFO"), INVALID_CURSOR),
    ),
    "public_token_create": Examples(
        request={"show_prices": True},
        summary="A share link that shows the budget and the lowest offered unit price",
        success={"object": "public_token", "token": PUBLIC_TOKEN, "url": f"/v1/public/rfos/{PUBLIC_TOKEN}"},
        errors=(_not_found("RFO"),),
    ),
    "public_token_revoke": Examples(success=None, errors=(_not_found("RFO"),)),
    "public_rfo": Examples(
        success={
            "object": "public_rfo",
            **{
                k: RFO[k]
                for k in ("title", "description", "category", "quantity", "unit", "delivery_region", "need_by")
            },
            "expires_at": RFO["expires_at"],
            "status": "OPEN",
            "offer_count": 2,
            "currency": "EUR",
            "budget_max": 900_000,
            "lowest_unit_price": 3_950,
        },
        errors=(_not_found("RFO"), _rate_limited(60, 60, "per source IP")),
    ),
    "vendor_rejections": Examples(
        success={
            "object": "list",
            "data": [
                {
                    "id": "rej_01M8TFK2YB5N7QH3RZ0W8CJD4X",
                    "object": "rejection",
                    "vendor_id": OTHER_VENDOR_ID,
                    "rfo_id": RFO_ID,
                    "offer_id": None,
                    "action": "submit",
                    "environment": "live",
                    "code": "price_out_of_range",
                    "status": 400,
                    "reason": "The offer is not valid for this RFO.",
                    "errors": [
                        {
                            **_field(
                                "unit_price",
                                "price_out_of_range",
                                "unit_price must be between 225 and 6750 USD minor units (2.25 USD to 67.50 USD) for "
                                "this RFO: unit_price x the RFO's quantity must stay within a band around its "
                                "budget_max",
                            ),
                            "params": {"minimum": 225, "currency": "USD", "maximum": 6750},
                        }
                    ],
                    "at": NOW,
                }
            ],
            "next_cursor": None,
        },
        errors=(
            problem(
                400,
                "environment_not_allowed",
                "Validation failed",
                "A key lists the rejections of its own environment only.",
                [_field("environment", "environment_not_allowed", "this key's environment is live")],
            ),
            _not_found("vendor"),
        ),
    ),
    # --- ops
    "admin_flags": Examples(
        success={
            "object": "list",
            "data": [
                {
                    "id": "flg_01M8TFN6J3W9QK2B7R5XH0DZ4C",
                    "object": "flag",
                    "code": "last_second_submission",
                    "vendor_id": OTHER_VENDOR_ID,
                    "rfo_id": RFO_ID,
                    "reason": "Offer submitted in the last 60 s before the RFO's deadline",
                    "evidence": {"offer_id": OTHER_OFFER_ID, "seconds_before_deadline": 12},
                    "environment": "live",
                    "created_at": "2099-06-08T16:59:48Z",
                }
            ],
            "next_cursor": None,
        },
        errors=(
            _invalid(
                "1 field(s) failed validation.",
                _field("day", "invalid_format", "day must be a UTC day written YYYY-MM-DD, e.g. 2099-06-01"),
            ),
            _forbidden("vendor"),
        ),
    ),
    "admin_cooldown_set": Examples(
        request={"until": "2099-06-03T09:00:00Z", "reason": COOLDOWN_REASON, "environment": "live"},
        summary="Cool Fabrikam down for two days (until must be at most 30 days ahead of now)",
        success={
            "object": "vendor_cooldown",
            "vendor_id": OTHER_VENDOR_ID,
            "environment": "live",
            "cooldown_until": "2099-06-03T09:00:00Z",
            "reason": COOLDOWN_REASON,
            "strikes": 0,
            "refused_during_cooldown": 0,
        },
        errors=(
            _invalid(
                "The cooldown is not valid.",
                _field("until", "out_of_range", "until must be at most 30 days away"),
                code="out_of_range",
            ),
            _not_found("vendor"),
        ),
    ),
    "admin_cooldown_lift": Examples(
        success={
            "object": "vendor_cooldown",
            "vendor_id": OTHER_VENDOR_ID,
            "environment": "live",
            "cooldown_until": None,
            "reason": None,
            "strikes": 0,
            "refused_during_cooldown": 3,
        },
        errors=(_not_found("vendor"),),
    ),
    "admin_audit": Examples(
        success={
            "object": "list",
            "data": [
                {
                    **HISTORY_CREATE,
                    "target_id": RFO_ID,
                    "target_type": "rfo",
                    "request_id": "ceda4497-b50d-4dee-ae00-53c0a6879d71",
                    "source_ip": "203.0.113.7",
                    "environment": "live",
                }
            ],
            "next_cursor": None,
        },
        errors=(
            _invalid(
                "Filter by target or by actor, not both.",
                _field("actor", "conflicting_filters", "give target or actor"),
            ),
        ),
    ),
    "ranking_explain": Examples(
        success={
            "object": "ranking_explain",
            "rfo_id": RFO_ID,
            "scoring_version": "v2",
            "relative": False,
            "formula": V2_FORMULA,
            "components": ["price", "delivery", "availability", "reliability"],
            "penalty_caps": PENALTY_CAPS,
            "penalties": PENALTY_CAPS,
            "bounds": ["-1.000000", "1.000000"],
            "weights": WEIGHTS,
            "order": ORDER,
            "awardability": "awardable first: offers that can no longer be awarded (awardable: false, with "
            "not_awardable_reason) follow every awardable offer; within each group the order above applies, and "
            "scores are unchanged",
            "data": [_explain_entry()],
            "flags": [],
            "ranking_status": "current",
            "next_cursor": None,
        },
        errors=(_not_found("RFO"), _forbidden("vendor")),
    ),
    "rfo_weights": Examples(
        request={"profile": "fastest"},
        summary="Rank by the named profile 'fastest' instead",
        success={
            **RFO,
            "weights": {
                "price": "0.250000",
                "delivery": "0.500000",
                "availability": "0.100000",
                "reliability": "0.150000",
            },
            "updated_at": LATER,
        },
        errors=(
            _invalid(
                "Unknown profile; known: balanced, cheapest, fastest, reliable.",
                _field(
                    "profile",
                    "unknown_profile",
                    "unknown profile 'quickest'; known: balanced, cheapest, fastest, reliable",
                ),
            ),
            problem(
                409,
                "rfo_not_open",
                "Conflict",
                "Weights can change only while the RFO is OPEN or CLOSED; it is AWARDED.",
                rfo_status="AWARDED",
            ),
        ),
    ),
    "scoring_catalog": Examples(
        success={
            "object": "scoring_catalog",
            "default_version": "v2",
            "versions": [
                {
                    "version": "v1",
                    "components": ["price", "delivery"],
                    "penalty_caps": {},
                    "penalties": {},
                    "default_weights": {"price": "0.600000", "delivery": "0.400000"},
                    "bounds": ["0.000000", "1.000000"],
                    "relative": False,
                    "formula": V1_FORMULA,
                },
                {
                    "version": "v2",
                    "components": ["price", "delivery", "availability", "reliability"],
                    "penalty_caps": PENALTY_CAPS,
                    "penalties": PENALTY_CAPS,
                    "default_weights": BALANCED,
                    "bounds": ["-1.000000", "1.000000"],
                    "relative": False,
                    "formula": V2_FORMULA,
                },
            ],
            "profiles": [
                {
                    "name": "balanced",
                    "description": "The scoring version's default weights.",
                    "weights": {"v1": {"price": "0.600000", "delivery": "0.400000"}, "v2": BALANCED},
                },
                {
                    "name": "cheapest",
                    "description": "Lowest price first; delivery, availability and track record break near-ties.",
                    "weights": {"v1": {"price": "0.850000", "delivery": "0.150000"}, "v2": WEIGHTS},
                },
            ],
            "category_profiles": {"office-supplies": "cheapest", "perishables": "fastest", "electronics": "balanced"},
        },
        errors=(_rate_limited(60, 60, "per source IP"),),
    ),
    # --- offers
    "offer_submit": Examples(
        request=OFFER_REQUEST,
        summary="Northwind offers the full 200 boxes at EUR 39.50 each, delivered in 5 days",
        success={**OFFER, "rank": None},
        errors=(
            _invalid(
                "The offer is not valid for this RFO.",
                _field("currency", "currency_mismatch", "this RFO is priced in EUR"),
                _field("eta_days", "eta_after_need_by", "the delivery falls after the RFO's need_by"),
            ),
            problem(
                409,
                "rfo_not_open",
                "Conflict",
                "The RFO is AWARDED; offers are accepted only while it is OPEN.",
                rfo_status="AWARDED",
            ),
        ),
    ),
    "offer_list": Examples(
        success={
            "object": "list",
            "data": [{**OFFER, "rank": None}, {**OTHER_OFFER, "rank": None}],
            "next_cursor": None,
        },
        errors=(_not_found("RFO"), INVALID_CURSOR),
    ),
    "offer_get": Examples(success=OFFER, errors=(_not_found("offer"),)),
    "offer_revise": Examples(
        request={"unit_price": 3_890, "eta_days": 4},
        summary="Lower the price by EUR 0.60 and deliver a day earlier",
        success=REVISED_OFFER,
        errors=(
            _invalid(
                "A revision may not raise the unit price (currently 3950).",
                _field(
                    "unit_price",
                    "price_increase_not_allowed",
                    "the unit price may not rise above the current 3950 (EUR minor units) while the RFO is OPEN; "
                    "withdraw the offer and submit a new one instead",
                ),
                code="price_increase_not_allowed",
            ),
            problem(
                429,
                "revision_cooldown",
                "Too many requests",
                "Revisions of one offer must be 30 s apart; retry in 30 s.",
            ),
        ),
    ),
    "offer_withdraw": Examples(
        success={**OTHER_OFFER, "status": "withdrawn", "rank": None, "updated_at": LATER},
        errors=(problem(409, "offer_not_active", "Conflict", "The offer is won."),),
    ),
    "vendor_offers": Examples(
        success={"object": "list", "data": [OFFER], "next_cursor": None},
        errors=(_not_found("vendor"), _insufficient_scope("offers:read")),
    ),
}
EXAMPLES.update(WEBHOOK_EXAMPLES)
