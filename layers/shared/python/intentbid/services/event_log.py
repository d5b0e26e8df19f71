"""The event log channel (``GET /v1/events``): every catalog event, as each of its recipients may read it, kept
30 days - the polling alternative to webhooks and the catch-up after downtime.

Written from the fan-out (:func:`intentbid.services.fanout.fan_out`), one entry per recipient: an account's own
(``Recipient.owner_id``) in its own partition, an audience's (``"*"``: every vendor of the environment for
``rfo.created``) once in the audience's partition, which every account of that kind reads with its own
(:mod:`intentbid.domain.event_log`). The entry is the recipient's envelope, the bytes its webhooks are signed
over, so the log never shows more than the API would (a vendor's view of an RFO, another vendor's offer never).
Idempotent on (event id, partition): a redelivered stream record writes nothing new."""

from __future__ import annotations

from typing import TYPE_CHECKING

from intentbid import observability as obs
from intentbid.domain import clock, event_log, events
from intentbid.domain.errors import FieldError, ValidationFailed
from intentbid.domain.principal import Principal

if TYPE_CHECKING:
    from intentbid.schemas.events import EventPage, EventQuery
    from intentbid.services.fanout import Event

LOGGED_KINDS = frozenset({"vendor", "buyer"})  # the accounts that read GET /v1/events


def entries(ev: Event) -> list[tuple[str, str, str]]:
    """(partition, sort key, envelope) of each entry ``ev`` makes, one per distinct partition."""
    ms = event_log.millis(clock.parse_rfc3339(ev.created_at))
    sk = event_log.sort_key(ms, ev.id)
    out: dict[str, tuple[str, str, str]] = {}
    for r in ev.recipients:
        if r.kind not in LOGGED_KINDS:
            continue
        partition = event_log.partition_of(ev.environment, r.owner_id, r.kind)
        out.setdefault(partition, (partition, sk, r.body.decode()))
    return list(out.values())


def record(ev: Event) -> int:
    """Log ``ev`` for its recipients; the number of entries written (0 on a redelivery)."""
    from intentbid.store.event_log import event_log_store

    todo = entries(ev)
    if not todo:
        return 0
    expire_at = int(clock.parse_rfc3339(ev.created_at).timestamp()) + event_log.KEPT_S
    written = sum(event_log_store().put_once(p, sk, ev.id, ev.type, body, expire_at) for p, sk, body in todo)
    obs.count("EventLogWrites", written, event_type=ev.type)
    return written


def list_(p: Principal, q: EventQuery | None = None) -> EventPage:
    """The caller's events of its key's environment, newest first: its own and its kind's audience's."""
    from intentbid.schemas.events import Event as EventOut
    from intentbid.schemas.events import EventPage, EventQuery
    from intentbid.store.event_log import event_log_store

    q = q or EventQuery()
    if q.type is not None and q.type not in events.available_to(p.kind):
        allowed = events.available_to(p.kind)
        raise ValidationFailed(
            "The event type is not one this account receives.",
            errors=[
                FieldError(
                    "type",
                    "unknown_event_type" if q.type not in events.CATALOG else "event_not_available",
                    f"type must be an event type a {p.kind} receives: {', '.join(allowed)}",
                    {"allowed": list(allowed)},
                )
            ],
        )
    since = event_log.since_key(event_log.millis(q.since)) if q.since is not None else None
    bodies, cursor = event_log_store().page(
        event_log.partitions_read(p.environment, p.id, p.kind),
        limit=q.limit,
        cursor=q.cursor,
        event_type=q.type,
        since=since,
    )
    return EventPage(data=[EventOut.model_validate_json(b) for b in bodies], next_cursor=cursor)
