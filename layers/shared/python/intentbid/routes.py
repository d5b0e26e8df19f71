"""The route table: the one list of endpoints.

Everything that knows about endpoints reads this table: the CDK API (a method and a function per route), the
authorizer's IAM policy, the local gateway, the OpenAPI document, the dashboard's and SDK's calls, the docs.
It is plain data with no heavy imports, so the authorizer can load it on its lean cold path.

``request``/``response`` name pydantic models as ``"<module>:<Class>"`` under :mod:`intentbid.schemas`;
they are resolved lazily (only the OpenAPI builder and each endpoint's own handler import them).

A route is the one declaration of its endpoint besides the handler: its access rule (who may call it, the
ownership rule, what each principal gets back: ``docs/ACCESS_POLICY.md`` and the access-matrix test read it),
the tables its own code touches (``intentbid.iam`` and so the function's IAM derive from it), and its
error statuses, derived from its fields (:attr:`Route.errors`) plus ``extra_errors``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PUBLIC = "public"
# Lambda timeouts, deployed (infra/intentbid_infra/config.py) and local (the local gateway's contexts and its
# timeout: an overrun answers 502 as API Gateway does). API Gateway's own integration limit, 29 s, never comes
# into play: every function gives up first.
API_TIMEOUT_S = 10  # every endpoint function
AUTHORIZER_TIMEOUT_S = 5  # lean import path (DESIGN.md §3)
INTEGRATION_TIMEOUT_S = 29
OWNERSHIP_RULES = ("own", "self", "none")
# A change's audit entry and outbox event: appended inside its transaction, never read or updated there.
_CHANGE = {"outbox": "append", "audit": "append"}


@dataclass(frozen=True, slots=True)
class Route:
    function: str  # functions/<function>/app.py, one Lambda per route
    method: str
    path: str
    kinds: tuple[str, ...]  # principal kinds allowed, or (PUBLIC,)
    scopes: tuple[str, ...] = ()  # all required (admin principals hold "admin" instead)
    summary: str = ""
    tag: str = ""
    status: int = 200
    request: str | None = None
    response: str | None = None
    query: str | None = None  # pydantic model of the query string
    extra_errors: tuple[int, ...] = ()  # error statuses its fields do not imply (see ``errors``)
    idempotent: bool = False  # POSTs that honour Idempotency-Key
    # A replay re-issues the secret it answered with (a registration: the first answer was lost, secrets are
    # never stored); other idempotent routes whose answer holds a secret replay it as null.
    replay_reissues: bool = False
    content_type: str = "application/json"
    ip_rate: str | None = None  # public routes limited per source IP: a ratelimit policy name
    headers: tuple[str, ...] = ()  # request headers it honours beyond the common ones (OpenAPI: openapi.HEADERS)
    response_headers: tuple[str, ...] = ()  # response headers of its success (OpenAPI: openapi.HEADERS)
    extra: dict[str, str] = field(default_factory=dict)
    # The access rule. ``ownership``: "own" = another tenant's object is a 404 (never a 403); "self" = the path
    # names the caller itself (another principal there is a 404); "none" = not tenant-scoped (public, admin-only,
    # or the caller's own view). ``returns``: what each allowed kind gets back (PUBLIC for public routes, "*" for
    # every kind).
    ownership: str = "none"
    returns: dict[str, str] = field(default_factory=dict)
    # What the function's own code touches: logical table -> access level (the levels of intentbid.iam);
    # the shared middleware's needs (rate limits, idempotency) are added there, derived from the fields above.
    tables: dict[str, str] = field(default_factory=dict)
    start_expiry: bool = False  # starts executions of the RFO expiry state machine
    secrets: tuple[str, ...] = ()  # the secret box (KMS in AWS): "seal" (new data keys), "open" (decrypt them)
    queues: tuple[str, ...] = ()  # queues of intentbid.workers.QUEUES it sends to (the webhook queue)

    @property
    def public(self) -> bool:
        return PUBLIC in self.kinds

    @property
    def errors(self) -> tuple[int, ...]:
        """Every error status this route can answer besides 500, derived from its fields plus ``extra_errors``:
        any operation 400 (an undeclared query parameter: ``unknown_parameter``); keyed 401 (no, revoked or
        expired key), 403 (kind or scope) and 429 (its key's or account's budget; a shed source IP); a per-IP
        limit 429; a body 400 (invalid) and 413 (too large), and so does an Idempotency-Key (malformed: 400);
        path parameters 404 (unknown or not the caller's); idempotent 409 (the same key still in flight) and
        422 (the same key with another request). ``tests/integration/test_route_errors.py`` provokes each one
        and sweeps every route for anything outside the set."""
        out = {400, *self.extra_errors}
        if not self.public:
            out |= {401, 403, 429}
        if self.ip_rate:
            out.add(429)
        if self.request or self.idempotent:
            out |= {400, 413}
        if self.path_params:
            out.add(404)
        if self.idempotent:
            out |= {409, 422}
        return tuple(sorted(out))

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(re.findall(r"{(\w+)}", self.path))

    def allows(self, kind: str, scopes: frozenset[str] | set[str]) -> bool:
        """Whether a principal of ``kind`` holding ``scopes`` may call this route at all."""
        if self.public:
            return True
        if kind not in self.kinds:
            return False
        if kind == "admin":
            return "admin" in scopes
        return all(s in scopes for s in self.scopes)


_R = Route


def _key_routes(kind: str) -> tuple[Route, ...]:
    """Key management for one principal kind: create, list, revoke, rotate, patch."""
    base = f"/v1/{kind}s/{{{kind}_id}}/keys"
    manage = ("keys:manage",)
    return (
        _R(
            f"{kind}_key_create",
            "POST",
            base,
            (kind,),
            manage,
            summary=f"Create a {kind} API key",
            tag="keys",
            status=201,
            request="accounts:KeyCreate",
            response="accounts:KeyCreated",
            ownership="self",
            returns={kind: "a new key (within its scopes and allowlist; 409 at the cap) and its secret (shown once)"},
            tables={"api-keys": "write", **_CHANGE},
            idempotent=True,
        ),
        _R(
            f"{kind}_key_list",
            "GET",
            base,
            (kind, "admin"),
            manage,
            summary=f"List {kind} API keys of the caller's environment (never secrets)",
            tag="keys",
            query="common:PageQuery",
            response="accounts:KeyPage",
            ownership="self",
            returns={
                kind: "its own keys of its environment, paginated, never secrets",
                "admin": "any owner's keys (both environments), never secrets",
            },
            tables={"api-keys": "read"},
        ),
        _R(
            f"{kind}_key_revoke",
            "POST",
            f"{base}/{{key_id}}/revoke",
            (kind, "admin"),
            manage,
            summary=f"Revoke a {kind} API key at once (idempotent)",
            tag="keys",
            response="accounts:KeyInfo",
            ownership="self",
            returns={kind: "its own key of its environment, revoked", "admin": "any key, revoked (e.g. leaked)"},
            tables={"api-keys": "write", **_CHANGE},
            idempotent=True,
        ),
        _R(
            f"{kind}_key_rotate",
            "POST",
            f"{base}/{{key_id}}/rotate",
            (kind,),
            manage,
            summary=f"Rotate a {kind} API key with a grace period",
            tag="keys",
            status=201,
            request="accounts:KeyRotate",
            response="accounts:KeyCreated",
            ownership="self",
            returns={kind: "the one successor of a key within its scopes, and its secret (shown once)"},
            tables={"api-keys": "write", **_CHANGE},
            idempotent=True,
        ),
        _R(
            f"{kind}_key_patch",
            "PATCH",
            f"{base}/{{key_id}}",
            (kind,),
            manage,
            summary=f"Rename a {kind} key, narrow its scopes or change its IP allowlist",
            tag="keys",
            request="accounts:KeyPatch",
            response="accounts:KeyInfo",
            ownership="self",
            returns={kind: "its own key within its scopes, renamed / narrowed / re-allowlisted"},
            tables={"api-keys": "write", **_CHANGE},
        ),
    )


def _webhook_routes() -> tuple[Route, ...]:
    """Webhook endpoints of vendors and buyers (API.md "Webhooks and events"): the caller's own, of its key's
    environment; another tenant's (or environment's) endpoint is a 404."""
    kinds, manage, base = ("vendor", "buyer"), ("webhooks:manage",), "/v1/webhooks"
    one = f"{base}/{{webhook_id}}"
    change = {"webhooks": "write", "audit": "append"}  # audited; no outbox event (the catalog has none)
    return (
        _R(
            "webhook_create",
            "POST",
            base,
            kinds,
            manage,
            summary="Register a webhook endpoint (its signing secret is shown once)",
            tag="webhooks",
            status=201,
            request="webhooks:WebhookCreate",
            response="webhooks:WebhookCreated",
            idempotent=True,
            returns={"*": "a new endpoint of its environment and its signing secret (shown once; 409 at the cap)"},
            tables={"webhooks": "write", "audit": "append"},
            secrets=("seal",),
        ),
        _R(
            "webhook_list",
            "GET",
            base,
            kinds,
            manage,
            summary="List the caller's webhook endpoints of its environment (never secrets)",
            tag="webhooks",
            query="common:PageQuery",
            response="webhooks:WebhookPage",
            returns={"*": "its own endpoints of its key's environment, paginated, never secrets"},
            tables={"webhooks": "read", "deliveries": "read"},
        ),
        _R(
            "webhook_get",
            "GET",
            one,
            kinds,
            manage,
            summary="Get a webhook endpoint (never its secret)",
            tag="webhooks",
            response="webhooks:Webhook",
            ownership="own",
            returns={"*": "its own endpoint of its environment, never the secret"},
            tables={"webhooks": "read", "deliveries": "read"},
        ),
        _R(
            "webhook_patch",
            "PATCH",
            one,
            kinds,
            manage,
            summary="Change a webhook endpoint's URL, events or description; disable or re-enable it",
            tag="webhooks",
            request="webhooks:WebhookPatch",
            response="webhooks:Webhook",
            ownership="own",
            returns={"*": "its own endpoint, changed (re-enabling is audited)"},
            tables=change,
        ),
        _R(
            "webhook_delete",
            "DELETE",
            one,
            kinds,
            manage,
            summary="Delete a webhook endpoint (its secrets are dropped at once)",
            tag="webhooks",
            status=204,
            ownership="own",
            returns={"*": "nothing (204); then 404 everywhere"},
            tables=change,
        ),
        _R(
            "webhook_rotate",
            "POST",
            f"{one}/rotate-secret",
            kinds,
            manage,
            summary="Rotate the signing secret; the previous one keeps signing during the grace",
            tag="webhooks",
            status=201,
            request="webhooks:WebhookRotate",
            response="webhooks:WebhookSecret",
            idempotent=True,
            ownership="own",
            returns={"*": "the new signing secret of its own endpoint (shown once)"},
            tables=change,
            secrets=("seal",),
        ),
        _R(
            "webhook_test",
            "POST",
            f"{one}/test",
            kinds,
            manage,
            summary="Send a signed webhook.test event to the endpoint now",
            tag="webhooks",
            status=202,
            request="webhooks:WebhookTest",
            response="webhooks:DeliveryQueued",
            idempotent=True,
            ownership="own",
            returns={"*": "the queued test delivery to its own endpoint"},
            tables={"webhooks": "read", "deliveries": "update"},
            queues=("webhook",),
        ),
        _R(
            "webhook_deliveries",
            "GET",
            f"{one}/deliveries",
            kinds,
            manage,
            summary="List an endpoint's deliveries, newest first (status, response code, latency)",
            tag="webhooks",
            query="webhooks:DeliveryQuery",
            response="webhooks:DeliveryPage",
            ownership="own",
            returns={"*": "the deliveries to its own endpoint, paginated"},
            tables={"webhooks": "read", "deliveries": "read"},
        ),
        _R(
            "webhook_delivery_get",
            "GET",
            f"{one}/deliveries/{{delivery_id}}",
            kinds,
            manage,
            summary="Get one delivery with every attempt",
            tag="webhooks",
            response="webhooks:Delivery",
            ownership="own",
            returns={"*": "one delivery to its own endpoint, every attempt"},
            tables={"webhooks": "read", "deliveries": "read"},
        ),
        _R(
            "webhook_delivery_retry",
            "POST",
            f"{one}/deliveries/{{delivery_id}}/retry",
            kinds,
            manage,
            summary="Attempt one delivery again now (same body, same webhook-id)",
            tag="webhooks",
            status=202,
            response="webhooks:DeliveryQueued",
            idempotent=True,
            ownership="own",
            returns={"*": "the delivery to its own endpoint, queued again"},
            tables={"webhooks": "read", "deliveries": "update"},
            queues=("webhook",),
        ),
        _R(
            "webhook_recover",
            "POST",
            f"{one}/recover",
            kinds,
            manage,
            summary="Re-send every failed or dead delivery of a time window",
            tag="webhooks",
            status=202,
            request="webhooks:WebhookRecover",
            response="webhooks:Recovered",
            idempotent=True,
            ownership="own",
            returns={"*": "how many deliveries to its own endpoint were queued again"},
            tables={"webhooks": "read", "deliveries": "update"},
            queues=("webhook",),
        ),
        # The event log shows the same envelopes the caller's endpoints would receive, so it takes the scope
        # that registers them: a key that may not subscribe to events may not read them either.
        _R(
            "event_list",
            "GET",
            "/v1/events",
            kinds,
            manage,
            summary="List the caller's events, newest first (the objects its webhooks carry; kept 30 days)",
            tag="webhooks",
            query="events:EventQuery",
            response="events:EventPage",
            returns={"*": "its own events of its key's environment (and its kind's, e.g. rfo.created), newest first"},
            tables={"events": "read"},
        ),
    )


ROUTES: tuple[Route, ...] = (
    # --- public
    _R(
        "health",
        "GET",
        "/v1/health",
        (PUBLIC,),
        summary="Liveness",
        tag="meta",
        response="meta:Health",
        returns={PUBLIC: "liveness"},
    ),
    _R(
        "ready",
        "GET",
        "/v1/ready",
        (PUBLIC,),
        summary="Readiness: the store answers (cached a few seconds; names no table)",
        tag="meta",
        response="meta:Health",
        extra_errors=(503,),
        ip_rate="public",
        returns={PUBLIC: "table reachability"},
        tables={"rfos": "read"},  # one DescribeTable, cached per instance (services/health.py)
    ),
    _R(
        "openapi",
        "GET",
        "/v1/openapi.json",
        (PUBLIC,),
        summary="This OpenAPI document",
        tag="meta",
        returns={PUBLIC: "the OpenAPI document"},
    ),
    _R(
        "docs",
        "GET",
        "/docs",
        (PUBLIC,),
        summary="Human-readable API docs",
        tag="meta",
        content_type="text/html",
        returns={PUBLIC: "HTML docs"},
    ),
    _R(
        "errors",
        "GET",
        "/errors",
        (PUBLIC,),
        summary="The error catalog: every code with its status, meaning and fix (HTML, or JSON by Accept)",
        tag="meta",
        content_type="text/html",
        returns={PUBLIC: "the error catalog"},
    ),
    _R(
        "error_entry",
        "GET",
        "/errors/{code}",
        (PUBLIC,),
        summary="One error code's page: the target of every problem's `type` (HTML, or JSON by Accept)",
        tag="meta",
        content_type="text/html",
        returns={PUBLIC: "one error code's page"},
    ),
    _R(
        "vendor_register",
        "POST",
        "/v1/vendors/register",
        (PUBLIC,),
        summary="Register a vendor",
        tag="accounts",
        status=201,
        request="accounts:RegisterRequest",
        response="accounts:VendorRegistration",
        idempotent=True,
        replay_reissues=True,
        ip_rate="register",
        returns={PUBLIC: "a vendor and its first key (throttled per source IP)"},
        tables={"accounts": "write", "api-keys": "write", **_CHANGE},
    ),
    _R(
        "buyer_register",
        "POST",
        "/v1/buyers/register",
        (PUBLIC,),
        summary="Register a buyer",
        tag="accounts",
        status=201,
        request="accounts:RegisterRequest",
        response="accounts:BuyerRegistration",
        idempotent=True,
        replay_reissues=True,
        ip_rate="register",
        returns={PUBLIC: "a buyer and its first key (throttled per source IP)"},
        tables={"accounts": "write", "api-keys": "write", **_CHANGE},
    ),
    # --- me
    _R(
        "me",
        "GET",
        "/v1/me",
        ("vendor", "buyer", "admin"),
        summary="The calling principal",
        tag="accounts",
        response="accounts:Me",
        returns={"*": "the calling key's kind, id, name, key_id, scopes, environment"},
        tables={"accounts": "read"},  # the account's name
    ),
    # --- the account's own settings (notification email: API.md "Email")
    *(
        _R(
            f"{kind}_patch",
            "PATCH",
            f"/v1/{kind}s/{{{kind}_id}}",
            (kind,),
            ("webhooks:manage",),  # the notification channels' scope: webhooks and email
            summary=f"Change the {kind}'s notification email settings (notify_email, email_events)",
            tag="accounts",
            request="accounts:AccountPatch",
            response="accounts:Account",
            ownership="self",
            returns={kind: "its own account with the new notification settings (audited; the address never is)"},
            tables={"accounts": "update", "audit": "append"},
        )
        for kind in ("vendor", "buyer")
    ),
    # --- keys (the same five routes for vendors and buyers)
    *_key_routes("vendor"),
    *_key_routes("buyer"),
    # --- RFOs
    _R(
        "rfo_create",
        "POST",
        "/v1/rfos",
        ("buyer",),
        ("rfos:write",),
        summary="Post an RFO",
        tag="rfos",
        status=201,
        request="rfos:RfoCreate",
        response="rfos:Rfo",
        idempotent=True,
        returns={"buyer": "the new RFO (OPEN), owned by the buyer"},
        tables={"rfos": "write", **_CHANGE},
        start_expiry=True,
    ),
    _R(
        "rfo_list",
        "GET",
        "/v1/rfos",
        ("buyer", "vendor", "admin"),
        ("rfos:read",),
        summary="List RFOs: a buyer's own, or the open RFOs a vendor may bid on",
        tag="rfos",
        query="rfos:RfoListQuery",
        response="rfos:RfoPage",
        returns={
            "buyer": "its own RFOs (any status filter)",
            "vendor": "OPEN RFOs of its environment before their deadline; buyer_id hidden",
            "admin": "RFOs by status across buyers",
        },
        tables={"rfos": "read"},
    ),
    _R(
        "rfo_get",
        "GET",
        "/v1/rfos/{rfo_id}",
        ("buyer", "vendor", "admin"),
        ("rfos:read",),
        summary="Get an RFO",
        tag="rfos",
        response="rfos:Rfo",
        ownership="own",
        returns={
            "buyer": "its own RFO, with allowed_actions",
            "vendor": "any RFO of its environment; buyer_id and awarded_offer_id hidden",
            "admin": "any RFO",
        },
        tables={"rfos": "read"},
    ),
    _R(
        "ranking",
        "GET",
        "/v1/rfos/{rfo_id}/ranking",
        ("buyer", "admin"),
        ("offers:read",),
        summary="The RFO's offers, scored and ranked (one page with `limit`)",
        tag="rfos",
        query="ranking:RankingQuery",
        response="ranking:Ranking",
        ownership="own",
        returns={
            "buyer": "the full ranking of its own RFO: every offer, vendor ids and names, prices, scores",
            "admin": "any RFO's ranking",
        },
        tables={"rfos": "read", "offers": "read", "accounts": "read"},  # vendors' names
    ),
    # --- RFO lifecycle (transition table: intentbid.domain.lifecycle)
    _R(
        "rfo_close",
        "POST",
        "/v1/rfos/{rfo_id}/close",
        ("buyer",),
        ("rfos:write",),
        summary="Close bidding",
        tag="lifecycle",
        request="rfos:Reason",
        response="rfos:Rfo",
        idempotent=True,
        ownership="own",
        returns={"buyer": "its own RFO after the transition"},
        tables={"rfos": "write", **_CHANGE},
    ),
    _R(
        "rfo_award",
        "POST",
        "/v1/rfos/{rfo_id}/award",
        ("buyer",),
        ("rfos:write",),
        summary="Award an offer (from OPEN: closes and awards in one step)",
        tag="lifecycle",
        headers=("If-Match",),
        request="rfos:Award",
        response="rfos:Rfo",
        idempotent=True,
        ownership="own",
        returns={"buyer": "its own RFO after the award"},
        tables={"rfos": "write", "offers": "write", **_CHANGE},
    ),
    _R(
        "rfo_reopen",
        "POST",
        "/v1/rfos/{rfo_id}/reopen",
        ("buyer",),
        ("rfos:write",),
        summary="Reopen a closed RFO with a new deadline",
        tag="lifecycle",
        request="rfos:Reopen",
        response="rfos:Rfo",
        idempotent=True,
        ownership="own",
        returns={"buyer": "its own RFO after the transition"},
        tables={"rfos": "write", **_CHANGE},
        start_expiry=True,
    ),
    _R(
        "rfo_delete",
        "DELETE",
        "/v1/rfos/{rfo_id}",
        ("buyer",),
        ("rfos:write",),
        summary="Soft-delete an RFO (not once awarded)",
        tag="lifecycle",
        status=204,
        extra_errors=(409,),
        ownership="own",
        returns={"buyer": "nothing (204); then 404 everywhere"},
        tables={"rfos": "write", **_CHANGE},
    ),
    _R(
        "rfo_history",
        "GET",
        "/v1/rfos/{rfo_id}/history",
        ("buyer", "admin"),
        ("rfos:read",),
        summary="The RFO's status changes and actions (audit trail)",
        tag="lifecycle",
        query="common:PageQuery",
        response="audit:HistoryPage",
        ownership="own",
        returns={"buyer": "its own RFO's audit trail", "admin": "any RFO's audit trail"},
        tables={"rfos": "read", "audit": "read"},
    ),
    _R(
        "public_token_create",
        "POST",
        "/v1/rfos/{rfo_id}/public-token",
        ("buyer",),
        ("rfos:write",),
        summary="Create a read-only share link (revokes the previous one)",
        tag="rfos",
        status=201,
        request="rfos:PublicTokenCreate",
        response="rfos:PublicToken",
        idempotent=False,
        ownership="own",
        returns={"buyer": "a share token for its own RFO (shown once)"},
        tables={"rfos": "write", "audit": "append"},
    ),
    _R(
        "public_token_revoke",
        "DELETE",
        "/v1/rfos/{rfo_id}/public-token",
        ("buyer",),
        ("rfos:write",),
        summary="Revoke the share link",
        tag="rfos",
        status=204,
        ownership="own",
        returns={"buyer": "nothing (204)"},
        tables={"rfos": "write", "audit": "append"},
    ),
    _R(
        "public_rfo",
        "GET",
        "/v1/public/rfos/{token}",
        (PUBLIC,),
        summary="The public view of a shared RFO",
        tag="rfos",
        response="rfos:PublicRfo",
        ip_rate="public",
        returns={PUBLIC: "a shared RFO's public fields: no buyer, no vendors, prices only if allowed (per-IP limit)"},
        tables={"rfos": "read", "offers": "read"},
    ),
    _R(
        "vendor_rejections",
        "GET",
        "/v1/vendors/{vendor_id}/rejections",
        ("vendor", "admin"),
        ("offers:read",),
        summary="A vendor's rejected submissions and revisions, with codes and reasons",
        tag="offers",
        query="antigaming:RejectionQuery",
        response="antigaming:RejectionPage",
        ownership="self",
        returns={"vendor": "its own rejections (path must name itself)", "admin": "any vendor's"},
        tables={"rejections": "read"},
    ),
    # --- ops
    _R(
        "admin_flags",
        "GET",
        "/v1/admin/flags",
        ("admin",),
        ("admin",),
        summary="Suspicious-activity flags with reason codes (by day or vendor)",
        tag="ops",
        query="antigaming:FlagQuery",
        response="antigaming:FlagPage",
        returns={"admin": "flags with reason codes and evidence"},
        tables={"flags": "read"},
    ),
    _R(
        "admin_cooldown_set",
        "POST",
        "/v1/admin/vendors/{vendor_id}/cooldown",
        ("admin",),
        ("admin",),
        summary="Put a vendor on cooldown",
        tag="ops",
        request="antigaming:CooldownSet",
        response="antigaming:VendorCooldown",
        idempotent=True,
        returns={"admin": "the vendor's cooldown state"},
        tables={"accounts": "update", "audit": "append"},
    ),
    _R(
        "admin_cooldown_lift",
        "DELETE",
        "/v1/admin/vendors/{vendor_id}/cooldown",
        ("admin",),
        ("admin",),
        summary="Lift a vendor's cooldown",
        tag="ops",
        query="antigaming:CooldownQuery",
        response="antigaming:VendorCooldown",
        returns={"admin": "the vendor's cooldown state"},
        tables={"accounts": "update", "audit": "append"},
    ),
    _R(
        "admin_audit",
        "GET",
        "/v1/admin/audit",
        ("admin",),
        ("admin",),
        summary="Search the audit log by target, actor or day",
        tag="ops",
        query="audit:AuditQuery",
        response="audit:AuditPage",
        returns={"admin": "audit entries by target, actor or day (payloads redacted)"},
        tables={"audit": "read"},
    ),
    _R(
        "ranking_explain",
        "GET",
        "/v1/rfos/{rfo_id}/ranking/explain",
        ("buyer", "admin"),
        ("offers:read",),
        summary="Why each offer ranks where it does (contributions - penalties = score, exactly)",
        tag="scoring",
        query="ranking:RankingQuery",
        response="ranking:Explain",
        ownership="own",
        returns={
            "buyer": "for its own RFO: per offer inputs, components, weights, contributions, "
            "penalties, tie-break key; the formula; flags",
            "admin": "any RFO's explanation",
        },
        tables={"rfos": "read", "offers": "read", "flags": "read"},
    ),
    _R(
        "rfo_weights",
        "PUT",
        "/v1/rfos/{rfo_id}/weights",
        ("buyer",),
        ("rfos:write",),
        summary="Change the RFO's weights, profile or scoring version (OPEN or CLOSED only)",
        tag="scoring",
        request="ranking:WeightsUpdate",
        response="rfos:Rfo",
        extra_errors=(409,),
        ownership="own",
        returns={"buyer": "its own RFO with the new weights (audited)"},
        tables={"rfos": "write", **_CHANGE},
    ),
    _R(
        "scoring_catalog",
        "GET",
        "/v1/scoring",
        (PUBLIC,),
        summary="Scoring versions (formula, components, bounds) and named weight profiles, published in advance",
        tag="scoring",
        response="ranking:ScoringCatalog",
        ip_rate="public",
        returns={PUBLIC: "the scoring versions, formulas and weight profiles (published in advance)"},
    ),
    # --- offers
    _R(
        "offer_submit",
        "POST",
        "/v1/rfos/{rfo_id}/offers",
        ("vendor",),
        ("offers:write",),
        summary="Submit an offer",
        tag="offers",
        status=201,
        request="offers:OfferCreate",
        response="offers:Offer",
        idempotent=True,
        returns={"vendor": "its new offer"},
        tables={
            "rfos": "read",
            "offers": "write",
            "accounts": "update",
            "rate-limits": "update",
            "rejections": "write",
            "flags": "write",
            **_CHANGE,
        },
    ),
    _R(
        "offer_list",
        "GET",
        "/v1/rfos/{rfo_id}/offers",
        ("buyer", "vendor", "admin"),
        ("offers:read",),
        summary="An RFO's offers: all for its buyer, only its own for a vendor",
        tag="offers",
        query="common:PageQuery",
        response="offers:OfferPage",
        ownership="own",
        returns={
            "buyer": "every offer on its own RFO",
            "vendor": "only its own offers on that RFO",
            "admin": "every offer",
        },
        tables={"rfos": "read", "offers": "read"},
    ),
    _R(
        "offer_get",
        "GET",
        "/v1/offers/{offer_id}",
        ("buyer", "vendor", "admin"),
        ("offers:read",),
        summary="Get an offer",
        tag="offers",
        response_headers=("ETag",),
        response="offers:Offer",
        ownership="own",
        returns={"buyer": "an offer on its own RFO", "vendor": "its own offer only", "admin": "any offer"},
        tables={"offers": "read", "rfos": "read"},
    ),
    _R(
        "offer_revise",
        "PATCH",
        "/v1/offers/{offer_id}",
        ("vendor",),
        ("offers:write",),
        summary="Revise an offer",
        tag="offers",
        request="offers:OfferRevise",
        response="offers:Offer",
        extra_errors=(409,),
        ownership="own",
        returns={"vendor": "its own revised offer"},
        tables={
            "rfos": "read",
            "offers": "write",
            "accounts": "update",
            "rejections": "write",
            "flags": "write",
            **_CHANGE,
        },
    ),
    _R(
        "offer_withdraw",
        "POST",
        "/v1/offers/{offer_id}/withdraw",
        ("vendor",),
        ("offers:write",),
        summary="Withdraw an offer",
        tag="offers",
        response="offers:Offer",
        idempotent=True,
        ownership="own",
        returns={"vendor": "its own withdrawn offer"},
        tables={"rfos": "read", "offers": "write", **_CHANGE},
    ),
    _R(
        "vendor_offers",
        "GET",
        "/v1/vendors/{vendor_id}/offers",
        ("vendor", "admin"),
        ("offers:read",),
        summary="A vendor's own offers and their standing",
        tag="offers",
        query="common:PageQuery",
        response="offers:OfferPage",
        ownership="self",
        returns={"vendor": "its own offers (path must name itself)", "admin": "any vendor's offers"},
        tables={"offers": "read", "rfos": "read"},  # each RFO on the page: status, disclosure, standing
    ),
    # --- webhooks
    *_webhook_routes(),
    # --- realtime. No scope: the socket carries the caller's own events only, each the object it may already
    # read through the API (the same envelopes its webhooks get), so any valid vendor or buyer key may open one
    # (a read-only dashboard key too); admins have no event stream.
    _R(
        "realtime_ticket",
        "POST",
        "/v1/realtime/tickets",
        ("vendor", "buyer"),
        summary="A one-time ticket (60 s) to open the caller's realtime WebSocket",
        tag="realtime",
        status=201,
        response="realtime:RealtimeTicket",
        returns={"*": "a one-time ticket bound to its kind, account and key's environment, and the WebSocket URL"},
        tables={"realtime": "write"},
        extra_errors=(503,),  # a stage without the realtime channel configured
    ),
)

BY_FUNCTION: dict[str, Route] = {r.function: r for r in ROUTES}


def _pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"{(\w+)}", r"(?P<\1>[^/]+)", path) + "$")


_MATCHERS = [(r, _pattern(r.path)) for r in ROUTES]


def match(method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
    """Find the route for ``method path``: (route, path params, path_exists). Literal segments win over
    parameters whatever the method, as API Gateway's resource tree does (``/v1/vendors/register`` is never
    ``/v1/vendors/{vendor_id}``: a PATCH there is the register resource's 405, not the account's PATCH)."""
    matched: list[tuple[Route, dict[str, str]]] = []
    for route, rx in _MATCHERS:
        m = rx.match(path)
        if m:
            matched.append((route, m.groupdict()))
    if not matched:
        return None, {}, False
    fewest = min(len(params) for _, params in matched)  # fewest parameters = most literal: that resource only
    found = [(r, params) for r, params in matched if len(params) == fewest and r.method == method]
    if not found:
        return None, {}, True
    return found[0][0], found[0][1], True


def arn_path(path: str) -> str:
    """The resource part of an execute-api ARN: path parameters become ``*``."""
    return re.sub(r"{\w+}", "*", path)
