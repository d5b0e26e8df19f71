"""The buyer/agent access policy, as data: for every route, what each principal kind gets back.

Who may call a route at all (kinds, scopes) comes from the route table; this module adds *what is returned*
and the ownership rule. ``docs/ACCESS_POLICY.md`` is generated from both (``make access-policy``) and a test
keeps it in step; the access-matrix e2e test checks the running system against the same data.
"""

from __future__ import annotations

from intentbid.routes import ROUTES, Route

# Ownership: "own" = another tenant's object is 404 (never 403); "self" = the path names the caller itself;
# "none" = not tenant-scoped (public or listing the caller's own view).
OWNERSHIP: dict[str, str] = {
    "rfo_get": "own",
    "ranking": "own",
    "offer_list": "own",
    "offer_get": "own",
    "offer_revise": "own",
    "offer_withdraw": "own",
    "vendor_offers": "self",
    "vendor_rejections": "self",
    "rfo_close": "own",
    "rfo_award": "own",
    "rfo_reopen": "own",
    "rfo_delete": "own",
    "rfo_history": "own",
    "ranking_explain": "own",
    "rfo_weights": "own",
    "public_token_create": "own",
    "public_token_revoke": "own",
    **{f"{k}_key_{a}": "self" for k in ("vendor", "buyer") for a in ("create", "list", "revoke", "rotate", "patch")},
}

RETURNS: dict[str, dict[str, str]] = {
    "me": {"*": "the calling key's kind, id, key_id, scopes, environment"},
    "rfo_create": {"buyer": "the new RFO (OPEN), owned by the buyer"},
    "rfo_list": {
        "buyer": "its own RFOs (any status filter)",
        "vendor": "OPEN RFOs of its environment before their deadline; buyer_id hidden",
        "admin": "RFOs by status across buyers",
    },
    "rfo_get": {
        "buyer": "its own RFO, with allowed_actions",
        "vendor": "any RFO of its environment; buyer_id and awarded_offer_id hidden",
        "admin": "any RFO",
    },
    "ranking": {
        "buyer": "the full ranking of its own RFO: every offer, vendor ids, prices, scores",
        "admin": "any RFO's ranking",
    },
    "offer_submit": {"vendor": "its new offer"},
    "offer_list": {
        "buyer": "every offer on its own RFO",
        "vendor": "only its own offers on that RFO",
        "admin": "every offer",
    },
    "offer_get": {"buyer": "an offer on its own RFO", "vendor": "its own offer only", "admin": "any offer"},
    "offer_revise": {"vendor": "its own revised offer"},
    "offer_withdraw": {"vendor": "its own withdrawn offer"},
    "vendor_offers": {"vendor": "its own offers (path must name itself)", "admin": "any vendor's offers"},
    "rfo_close": {"buyer": "its own RFO after the transition"},
    "rfo_award": {"buyer": "its own RFO after the award"},
    "rfo_reopen": {"buyer": "its own RFO after the transition"},
    "rfo_delete": {"buyer": "nothing (204); then 404 everywhere"},
    "rfo_history": {"buyer": "its own RFO's audit trail", "admin": "any RFO's audit trail"},
    "ranking_explain": {
        "buyer": "for its own RFO: per offer inputs, components, weights, contributions, "
        "penalties, tie-break key; the formula; flags",
        "admin": "any RFO's explanation",
    },
    "rfo_weights": {"buyer": "its own RFO with the new weights (audited)"},
    "vendor_rejections": {"vendor": "its own rejections (path must name itself)", "admin": "any vendor's"},
    "admin_flags": {"admin": "flags with reason codes and evidence"},
    "admin_cooldown_set": {"admin": "the vendor's cooldown state"},
    "admin_cooldown_lift": {"admin": "the vendor's cooldown state"},
    "admin_audit": {"admin": "audit entries by target, actor or day (payloads redacted)"},
    "public_token_create": {"buyer": "a share token for its own RFO (shown once)"},
    "public_token_revoke": {"buyer": "nothing (204)"},
    **{
        f"{k}_key_create": {
            k: "a new key (within its scopes and allowlist; 409 at the cap) and its secret (shown once)"
        }
        for k in ("vendor", "buyer")
    },
    **{
        f"{k}_key_list": {
            k: "its own keys of its environment, paginated, never secrets",
            "admin": "any owner's keys (both environments), never secrets",
        }
        for k in ("vendor", "buyer")
    },
    **{
        f"{k}_key_revoke": {k: "its own key of its environment, revoked", "admin": "any key, revoked (e.g. leaked)"}
        for k in ("vendor", "buyer")
    },
    **{
        f"{k}_key_rotate": {k: "the one successor of a key within its scopes, and its secret (shown once)"}
        for k in ("vendor", "buyer")
    },
    **{
        f"{k}_key_patch": {k: "its own key within its scopes, renamed / narrowed / re-allowlisted"}
        for k in ("vendor", "buyer")
    },
}

PUBLIC_RETURNS: dict[str, str] = {
    "health": "liveness",
    "ready": "table reachability",
    "openapi": "the OpenAPI document",
    "docs": "HTML docs",
    "errors": "the error catalog",
    "error_entry": "one error code's page",
    "vendor_register": "a vendor and its first key (throttled per source IP)",
    "buyer_register": "a buyer and its first key (throttled per source IP)",
    "scoring_catalog": "the scoring versions, formulas and weight profiles (published in advance)",
    "public_rfo": "a shared RFO's public fields: no buyer, no vendors, prices only if allowed (per-IP limit)",
}

_OWNERSHIP_TEXT = {"own": "another tenant's object: 404", "self": "another principal in the path: 404", "none": "-"}


def returns(route: Route, kind: str) -> str | None:
    table = RETURNS.get(route.function, {})
    return table.get(kind) or table.get("*")


def markdown() -> str:
    lines = [
        "# Access policy",
        "",
        "Generated from the route table (`intentbid/routes.py`) and `intentbid/access_policy.py` by",
        "`make access-policy`; `tests/unit/test_access_policy.py` fails if this file is stale, and",
        "`tests/e2e/test_access_matrix.py` checks the running system against the same data.",
        "",
        "Rules: a key acts only within its kind and scopes (the authorizer denies the rest with 403",
        "`insufficient_scope` or `forbidden`, and the endpoint re-checks); another tenant's object is a 404, never a",
        "403; live keys never see sandbox (`ib_test_`) data and vice versa; admins hold the single scope `admin`.",
        "Keys manage only keys of their own environment (another is a 404) and never a key holding a scope they",
        "lack (403 `insufficient_scope`); revoking needs only `keys:manage`.",
        "",
        "| route | principals | scopes | buyer gets | vendor gets | admin gets | not owner |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in ROUTES:
        if r.public:
            lines.append(f"| `{r.method} {r.path}` | public | - | {PUBLIC_RETURNS[r.function]} | | | - |")
            continue
        cells = [returns(r, k) or "403" if k in r.kinds else "403" for k in ("buyer", "vendor", "admin")]
        scopes = ", ".join(f"`{s}`" for s in r.scopes) or "-"
        own = _OWNERSHIP_TEXT[OWNERSHIP.get(r.function, "none")]
        lines.append(f"| `{r.method} {r.path}` | {', '.join(r.kinds)} | {scopes} | {' | '.join(cells)} | {own} |")
    return "\n".join(lines) + "\n"
