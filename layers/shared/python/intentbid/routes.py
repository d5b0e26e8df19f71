"""The route table: the one list of endpoints.

Everything that knows about endpoints reads this table: the CDK API (a method and a function per route), the
authorizer's IAM policy, the local gateway, the OpenAPI document, the dashboard's and SDK's calls, the docs.
It is plain data with no heavy imports, so the authorizer can load it on its lean cold path.

``request``/``response`` name pydantic models as ``"<module>:<Class>"`` under :mod:`intentbid.schemas`;
they are resolved lazily (only the OpenAPI builder and each endpoint's own handler import them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PUBLIC = "public"


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
    errors: tuple[int, ...] = ()
    idempotent: bool = False  # POSTs that honour Idempotency-Key
    content_type: str = "application/json"
    ip_rate: str | None = None  # public routes limited per source IP: a ratelimit policy name
    headers: tuple[str, ...] = ()  # request headers it honours beyond the common ones (OpenAPI: openapi.HEADERS)
    response_headers: tuple[str, ...] = ()  # response headers of its success (OpenAPI: openapi.HEADERS)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def public(self) -> bool:
        return PUBLIC in self.kinds

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


_AUTH_ERRORS = (401, 403, 429)
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
            errors=(*_AUTH_ERRORS, 400, 404, 409, 413, 422),
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
            errors=(*_AUTH_ERRORS, 400, 404),
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
            errors=(*_AUTH_ERRORS, 404, 422),
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
            errors=(*_AUTH_ERRORS, 400, 404, 409, 422),
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
            errors=(*_AUTH_ERRORS, 400, 404, 413),
        ),
    )


ROUTES: tuple[Route, ...] = (
    # --- public
    _R("health", "GET", "/v1/health", (PUBLIC,), summary="Liveness", tag="meta", response="meta:Health"),
    _R(
        "ready",
        "GET",
        "/v1/ready",
        (PUBLIC,),
        summary="Readiness: the store answers (cached a few seconds; names no table)",
        tag="meta",
        response="meta:Health",
        errors=(429, 503),
        ip_rate="public",
    ),
    _R("openapi", "GET", "/v1/openapi.json", (PUBLIC,), summary="This OpenAPI document", tag="meta"),
    _R("docs", "GET", "/docs", (PUBLIC,), summary="Human-readable API docs", tag="meta", content_type="text/html"),
    _R(
        "errors",
        "GET",
        "/errors",
        (PUBLIC,),
        summary="The error catalog: every code with its status, meaning and fix (HTML, or JSON by Accept)",
        tag="meta",
        content_type="text/html",
    ),
    _R(
        "error_entry",
        "GET",
        "/errors/{code}",
        (PUBLIC,),
        summary="One error code's page: the target of every problem's `type` (HTML, or JSON by Accept)",
        tag="meta",
        content_type="text/html",
        errors=(404,),
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
        errors=(400, 413, 422, 429),
        idempotent=True,
        ip_rate="register",
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
        errors=(400, 413, 422, 429),
        idempotent=True,
        ip_rate="register",
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
        errors=_AUTH_ERRORS,
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
        errors=(*_AUTH_ERRORS, 400, 413, 422),
        idempotent=True,
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
        errors=(*_AUTH_ERRORS, 400),
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
        errors=(*_AUTH_ERRORS, 404),
    ),
    _R(
        "ranking",
        "GET",
        "/v1/rfos/{rfo_id}/ranking",
        ("buyer", "admin"),
        ("offers:read",),
        summary="The RFO's offers, scored and ranked",
        tag="rfos",
        response="ranking:Ranking",
        errors=(*_AUTH_ERRORS, 404),
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
        errors=(*_AUTH_ERRORS, 400, 404, 409, 422),
        idempotent=True,
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
        errors=(*_AUTH_ERRORS, 400, 404, 409, 422),
        idempotent=True,
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
        errors=(*_AUTH_ERRORS, 400, 404, 409, 422),
        idempotent=True,
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
        errors=(*_AUTH_ERRORS, 404, 409),
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
        errors=(*_AUTH_ERRORS, 400, 404),
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
        errors=(*_AUTH_ERRORS, 400, 404, 422),
        idempotent=False,
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
        errors=(*_AUTH_ERRORS, 404),
    ),
    _R(
        "public_rfo",
        "GET",
        "/v1/public/rfos/{token}",
        (PUBLIC,),
        summary="The public view of a shared RFO",
        tag="rfos",
        response="rfos:PublicRfo",
        errors=(404, 429),
        ip_rate="public",
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
        errors=(*_AUTH_ERRORS, 400, 404),
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
        errors=(*_AUTH_ERRORS, 400),
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
        errors=(*_AUTH_ERRORS, 400, 404, 413, 422),
        idempotent=True,
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
        errors=(*_AUTH_ERRORS, 400, 404),
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
        errors=(*_AUTH_ERRORS, 400),
    ),
    _R(
        "ranking_explain",
        "GET",
        "/v1/rfos/{rfo_id}/ranking/explain",
        ("buyer", "admin"),
        ("offers:read",),
        summary="Why each offer ranks where it does (contributions - penalties = score, exactly)",
        tag="scoring",
        response="ranking:Explain",
        errors=(*_AUTH_ERRORS, 404),
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
        errors=(*_AUTH_ERRORS, 400, 404, 409, 413),
    ),
    _R(
        "scoring_catalog",
        "GET",
        "/v1/scoring",
        (PUBLIC,),
        summary="Scoring versions (formula, components, bounds) and named weight profiles, published in advance",
        tag="scoring",
        response="ranking:ScoringCatalog",
        errors=(429,),
        ip_rate="public",
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
        errors=(*_AUTH_ERRORS, 400, 404, 409, 413, 422),
        idempotent=True,
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
        errors=(*_AUTH_ERRORS, 400, 404),
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
        errors=(*_AUTH_ERRORS, 404),
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
        errors=(*_AUTH_ERRORS, 400, 404, 409, 413),
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
        errors=(*_AUTH_ERRORS, 404, 409, 422),
        idempotent=True,
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
        errors=(*_AUTH_ERRORS, 400, 404),
    ),
)

BY_FUNCTION: dict[str, Route] = {r.function: r for r in ROUTES}


def _pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"{(\w+)}", r"(?P<\1>[^/]+)", path) + "$")


_MATCHERS = [(r, _pattern(r.path)) for r in ROUTES]


def match(method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
    """Find the route for ``method path``: (route, path params, path_exists). Literal segments win over
    parameters (``/v1/vendors/register`` is never ``/v1/vendors/{vendor_id}``)."""
    found: list[tuple[Route, dict[str, str]]] = []
    path_exists = False
    for route, rx in _MATCHERS:
        m = rx.match(path)
        if m:
            path_exists = True
            if route.method == method:
                found.append((route, m.groupdict()))
    if not found:
        return None, {}, path_exists
    found.sort(key=lambda rp: len(rp[1]))  # fewest parameters = most literal
    return found[0][0], found[0][1], True


def arn_path(path: str) -> str:
    """The resource part of an execute-api ARN: path parameters become ``*``."""
    return re.sub(r"{\w+}", "*", path)
