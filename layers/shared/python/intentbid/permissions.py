"""What each function may touch: the source of least-privilege IAM in CDK (and of the infra tests).

``tables``: logical table name -> "read" | "write" (write implies read) | "append" (PutItem only: the audit
log is append-only, so no function may update or delete an entry: enforced in IAM, not just in code).
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


R, W, A = "read", "write", "append"  # append: PutItem only (audit log, append-only)

ACCESS: dict[str, Access] = {
    "authorizer": Access({"api-keys": R}),
    "health": Access(),
    "ready": Access({"accounts": R, "api-keys": R, "rfos": R, "offers": R, "outbox": R, "audit": R, "idempotency": R}),
    "openapi": Access(),
    "docs": Access(),
    "vendor_register": Access({"accounts": W, "api-keys": W, "outbox": W, "audit": A}),
    "buyer_register": Access({"accounts": W, "api-keys": W, "outbox": W, "audit": A}),
    "me": Access(),
    "vendor_key_create": Access({"api-keys": W, "outbox": W, "audit": A}),
    "vendor_key_rotate": Access({"api-keys": W, "outbox": W, "audit": A}),
    "vendor_key_revoke": Access({"api-keys": W, "outbox": W, "audit": A}),
    "vendor_key_patch": Access({"api-keys": W, "outbox": W, "audit": A}),
    "vendor_key_list": Access({"api-keys": R}),
    "buyer_key_create": Access({"api-keys": W, "outbox": W, "audit": A}),
    "buyer_key_rotate": Access({"api-keys": W, "outbox": W, "audit": A}),
    "buyer_key_revoke": Access({"api-keys": W, "outbox": W, "audit": A}),
    "buyer_key_patch": Access({"api-keys": W, "outbox": W, "audit": A}),
    "buyer_key_list": Access({"api-keys": R}),
    "rfo_create": Access({"rfos": W, "outbox": W, "audit": A}, start_expiry=True),
    "rfo_list": Access({"rfos": R}),
    "rfo_get": Access({"rfos": R}),
    "ranking": Access({"rfos": R, "offers": R}),
    "offer_submit": Access({"rfos": R, "offers": W, "outbox": W, "audit": A}),
    "offer_list": Access({"rfos": R, "offers": R}),
    "offer_get": Access({"offers": R, "rfos": R}),
    "offer_revise": Access({"rfos": R, "offers": W, "outbox": W, "audit": A}),
    "offer_withdraw": Access({"rfos": R, "offers": W, "outbox": W, "audit": A}),
    "vendor_offers": Access({"offers": R}),
    "outbox_dispatch": Access(),
    "rfo_expire": Access({"rfos": W, "outbox": W, "audit": A}),
    "rfo_close": Access({"rfos": W, "outbox": W, "audit": A}),
    "rfo_award": Access({"rfos": W, "offers": W, "outbox": W, "audit": A}),
    "rfo_reopen": Access({"rfos": W, "outbox": W, "audit": A}, start_expiry=True),
    "rfo_delete": Access({"rfos": W, "outbox": W, "audit": A}),
    "rfo_history": Access({"rfos": R, "audit": R}),
    "admin_audit": Access({"audit": R}),
}
