"""What each function may touch: the source of least-privilege IAM in CDK (and of the infra tests).

``tables``: logical table name -> "read" | "update" (read + UpdateItem) | "write" (read + PutItem + UpdateItem)
| "append" (PutItem only: the audit log is append-only, so no function may update or delete an entry: enforced
in IAM, not just in code) | "delete" (DeleteItem); several levels join with "+" (e.g. "read+append").
No function's own code deletes a business item or batch-writes (RFOs are soft-deleted): DeleteItem is granted on
the idempotency table to idempotent routes only (Powertools removes its in-progress record when the handler
raised) and on the realtime table to the realtime functions (a ticket is consumed by a conditional delete, a
closed or gone connection is deleted: both are ephemeral, never business data); BatchWriteItem to nobody. The
infra and aws-calls tests check these grants against the calls each function makes.
``ACCESS`` holds what each function's own code touches: an endpoint's comes from its route (``Route.tables``,
``Route.start_expiry`` in :mod:`intentbid.routes`, the one declaration of an endpoint), a worker's from
``WORKER_ACCESS`` here. :func:`effective` adds what the shared middleware needs, derived from the route table
(rate-limit counters and ``last_used_at`` for keyed routes, per-IP counters for throttled public routes,
idempotency records for idempotent POSTs) — nobody lists those twice.
Producers only append to the outbox (PutItem inside their transaction); only the dispatcher updates it.
``queues``: queues it sends to.
``start_expiry``: may start executions of the RFO expiry state machine.
``secrets``: what it may do with the secret box's KMS key (``seal``: GenerateDataKey; ``open``: Decrypt).
``sends_email``: may send through SES as the stage's email identity (and gets ``EMAIL_FROM``).
Keep this next to the services that use the access (for an endpoint: on its route): a new store call without
it fails in AWS (and in the infra tests), not silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from intentbid.routes import BY_FUNCTION, ROUTES


@dataclass(frozen=True, slots=True)
class Access:
    tables: dict[str, str] = field(default_factory=dict)
    queues: tuple[str, ...] = ()
    start_expiry: bool = False
    secrets: tuple[str, ...] = ()  # the secret box's KMS key: "seal" (GenerateDataKey), "open" (Decrypt)
    sends_email: bool = False  # SES SendEmail as the stage's email identity (EMAIL_FROM)


R, U, W, A, D = "read", "update", "write", "append", "delete"

# Every table. Kept literal so this module stays import-light; a unit test compares it
# with the models.
ALL_TABLES = (
    "accounts",
    "api-keys",
    "audit",
    "deliveries",
    "events",  # the event log (GET /v1/events): written by the dispatcher only
    "emails",  # one sent-record per (event, account): the email worker's idempotency
    "flags",
    "idempotency",
    "migrations",  # the data-migration ledger: only the deployer (make migrate) touches it, no function
    "offers",
    "outbox",
    "rate-limits",
    "realtime",  # WebSocket connections and one-time tickets (the realtime nested stack)
    "rejections",
    "rfos",
    "webhooks",
)

# The functions that are not endpoints; an endpoint declares its tables on its route (``Route.tables``).
WORKER_ACCESS: dict[str, Access] = {
    "authorizer": Access({"api-keys": R}),
    # the award's sweep marks losers lost (UpdateItem) with their events (PutItem on the outbox); the ranking
    # recompute rewrites offers' stored scores and marks the RFO's ranking current (UpdateItem); a submission's
    # event stamps the vendor's name (read from its account) on the offer; and it fans events out to the webhook
    # queue (reading the endpoints, the keys and offers it renders) and to the event log (one PutItem per entry)
    "outbox_dispatch": Access(
        {
            "rfos": U,
            "offers": U,
            "accounts": R,
            "audit": R,
            "flags": W,
            "outbox": W,
            "webhooks": R,
            "api-keys": R,
            "events": A,
        },
        queues=("webhook", "realtime", "email"),
    ),
    # one attempt per message: the endpoint (its secrets: Decrypt), the delivery record, the endpoint's failing
    # streak or its disabling (with audit and the webhook.disabled event); a spent delivery to the DLQ
    "webhook_deliver": Access(
        {"webhooks": U, "deliveries": U, "audit": A, "outbox": A}, queues=("webhook-dlq",), secrets=("open",)
    ),
    "rfo_expire": Access({"rfos": W, "outbox": A, "audit": A}),
    # the realtime channel: the $connect authorizer consumes a ticket (GetItem, then a conditional DeleteItem);
    # $connect stores the connection, $disconnect and a push that finds it gone delete it; the push worker
    # queries the owner and audience indexes
    "realtime_authorize": Access({"realtime": f"{R}+{D}"}),
    "realtime_connect": Access({"realtime": W}),
    "realtime_disconnect": Access({"realtime": D}),
    "realtime_push": Access({"realtime": f"{R}+{D}"}),
    # one notification email per message: its sent-record (conditional put, then the SES message id) and SES
    "email_send": Access({"emails": W}, sends_email=True),
}

ACCESS: dict[str, Access] = {
    **WORKER_ACCESS,
    **{r.function: Access(dict(r.tables), r.queues, start_expiry=r.start_expiry, secrets=r.secrets) for r in ROUTES},
}


def _merge(tables: dict[str, str], extra: dict[str, str]) -> dict[str, str]:
    out = {k: set(v.split("+")) for k, v in tables.items()}
    for k, v in extra.items():
        out.setdefault(k, set()).update(v.split("+"))
    order = (R, U, W, A, D)
    return {k: "+".join(lvl for lvl in order if lvl in v) for k, v in sorted(out.items())}


def effective(function: str) -> Access:
    """The function's own access plus the middleware's, from its route (if it is an endpoint)."""
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
    return Access(_merge(own.tables, extra), own.queues, own.start_expiry, own.secrets, own.sends_email)
