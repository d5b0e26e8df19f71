"""What each function may touch: the source of least-privilege IAM in CDK (and of the infra tests).

``tables``: logical table name -> "read" | "update" (read + UpdateItem) | "write" (read + PutItem + UpdateItem)
| "append" (PutItem only: the audit log is append-only, so no function may update or delete an entry: enforced
in IAM, not just in code) | "delete" (DeleteItem); several levels join with "+" (e.g. "read+append").
No function's own code deletes an item or batch-writes (RFOs are soft-deleted; the store has no delete): the only
DeleteItem is Powertools' idempotency layer removing its in-progress record when the handler raised, so
"delete" is granted on the idempotency table to idempotent routes only, and BatchWriteItem to nobody. The
infra and aws-calls tests check these grants against the calls each function makes.
``ACCESS`` holds what each function's own code touches; :func:`effective` adds what the shared middleware
needs, derived from the route table (rate-limit counters and ``last_used_at`` for keyed routes, per-IP
counters for throttled public routes, idempotency records for idempotent POSTs) — nobody lists those twice.
Producers only append to the outbox (PutItem inside their transaction); only the dispatcher updates it.
``queues``: queues it sends to.
``start_expiry``: may start executions of the RFO expiry state machine. Keep this next to the services that
use the access: a new store call without a line here fails in AWS (and in the infra tests), not silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Access:
    tables: dict[str, str] = field(default_factory=dict)
    queues: tuple[str, ...] = ()
    start_expiry: bool = False


R, U, W, A, D = "read", "update", "write", "append", "delete"

# Every table. Kept literal so this module stays import-light; a unit test compares it
# with the models.
ALL_TABLES = (
    "accounts",
    "api-keys",
    "audit",
    "flags",
    "idempotency",
    "offers",
    "outbox",
    "rate-limits",
    "rejections",
    "rfos",
)

ACCESS: dict[str, Access] = {
    "authorizer": Access({"api-keys": R}),
    "health": Access(),
    "ready": Access({"rfos": R}),  # one DescribeTable, cached per instance (services/health.py)
    "openapi": Access(),
    "docs": Access(),
    "errors": Access(),
    "error_entry": Access(),
    "vendor_register": Access({"accounts": W, "api-keys": W, "outbox": A, "audit": A}),
    "buyer_register": Access({"accounts": W, "api-keys": W, "outbox": A, "audit": A}),
    "me": Access({"accounts": R}),  # the account's name
    "vendor_key_create": Access({"api-keys": W, "outbox": A, "audit": A}),
    "vendor_key_rotate": Access({"api-keys": W, "outbox": A, "audit": A}),
    "vendor_key_revoke": Access({"api-keys": W, "outbox": A, "audit": A}),
    "vendor_key_patch": Access({"api-keys": W, "outbox": A, "audit": A}),
    "vendor_key_list": Access({"api-keys": R}),
    "buyer_key_create": Access({"api-keys": W, "outbox": A, "audit": A}),
    "buyer_key_rotate": Access({"api-keys": W, "outbox": A, "audit": A}),
    "buyer_key_revoke": Access({"api-keys": W, "outbox": A, "audit": A}),
    "buyer_key_patch": Access({"api-keys": W, "outbox": A, "audit": A}),
    "buyer_key_list": Access({"api-keys": R}),
    "rfo_create": Access({"rfos": W, "outbox": A, "audit": A}, start_expiry=True),
    "rfo_list": Access({"rfos": R}),
    "rfo_get": Access({"rfos": R}),
    "ranking": Access({"rfos": R, "offers": R, "accounts": R}),  # vendors' names
    "offer_submit": Access(
        {"rfos": R, "offers": W, "outbox": A, "audit": A, "accounts": U, "rate-limits": U, "rejections": W, "flags": W}
    ),
    "offer_list": Access({"rfos": R, "offers": R}),
    "offer_get": Access({"offers": R, "rfos": R}),
    "offer_revise": Access(
        {"rfos": R, "offers": W, "outbox": A, "audit": A, "accounts": U, "rejections": W, "flags": W}
    ),
    "offer_withdraw": Access({"rfos": R, "offers": W, "outbox": A, "audit": A}),
    "vendor_offers": Access({"offers": R, "rfos": R}),  # each RFO on the page: status, disclosure, standing
    "outbox_dispatch": Access({"rfos": R, "offers": R, "audit": R, "flags": W, "outbox": W}),
    "rfo_expire": Access({"rfos": W, "outbox": A, "audit": A}),
    "rfo_close": Access({"rfos": W, "outbox": A, "audit": A}),
    "rfo_award": Access({"rfos": W, "offers": W, "outbox": A, "audit": A}),
    "rfo_reopen": Access({"rfos": W, "outbox": A, "audit": A}, start_expiry=True),
    "rfo_delete": Access({"rfos": W, "outbox": A, "audit": A}),
    "rfo_history": Access({"rfos": R, "audit": R}),
    "admin_audit": Access({"audit": R}),
    "ranking_explain": Access({"rfos": R, "offers": R, "flags": R}),
    "rfo_weights": Access({"rfos": W, "outbox": A, "audit": A}),
    "scoring_catalog": Access(),
    "vendor_rejections": Access({"rejections": R}),
    "admin_flags": Access({"flags": R}),
    "admin_cooldown_set": Access({"accounts": U, "audit": A}),
    "admin_cooldown_lift": Access({"accounts": U, "audit": A}),
    "public_token_create": Access({"rfos": W, "audit": A}),
    "public_token_revoke": Access({"rfos": W, "audit": A}),
    "public_rfo": Access({"rfos": R, "offers": R}),
}


def _merge(tables: dict[str, str], extra: dict[str, str]) -> dict[str, str]:
    out = {k: set(v.split("+")) for k, v in tables.items()}
    for k, v in extra.items():
        out.setdefault(k, set()).update(v.split("+"))
    order = (R, U, W, A, D)
    return {k: "+".join(lvl for lvl in order if lvl in v) for k, v in sorted(out.items())}


def effective(function: str) -> Access:
    """The function's own access plus the middleware's, from its route (if it is an endpoint)."""
    from intentbid.routes import BY_FUNCTION

    own = ACCESS[function]
    route = BY_FUNCTION.get(function)
    if route is None:
        return own
    extra: dict[str, str] = {}
    if not route.public:
        extra |= {"rate-limits": U, "api-keys": U}
    elif route.ip_rate:
        extra |= {"rate-limits": U}
    if route.idempotent:
        extra |= {"idempotency": f"{W}+{D}"}  # Powertools deletes its record when the handler raised
    return Access(_merge(own.tables, extra), own.queues, own.start_expiry)
