"""The realtime channel's table: one-time tickets and open WebSocket connections.

A ticket is consumed by a conditional delete (it must still exist): of two ``$connect`` racing with one ticket,
exactly one delete succeeds, the other finds nothing to delete and is refused. Connections are found through
their owner's or their audience's index (keys only), then deleted one by one when they are gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pynamodb.exceptions import DeleteError

from intentbid.store.models.realtime import ConnectionModel, TicketModel

TICKET_PREFIX = "tkt#"


@dataclass(frozen=True, slots=True)
class Bound:
    """The principal a ticket (and so a connection) is bound to."""

    owner_kind: str
    owner_id: str
    environment: str
    key_id: str = ""


def owner_key(environment: str, owner_id: str) -> str:
    return f"{environment}#{owner_id}"


def audience(environment: str, owner_kind: str) -> str:
    return f"{environment}#{owner_kind}"


def _conditional_failed(exc: DeleteError) -> bool:
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def put_ticket(ticket_hash: str, bound: Bound, expires_at: int) -> None:
    TicketModel(
        TICKET_PREFIX + ticket_hash,
        owner_kind=bound.owner_kind,
        owner_id=bound.owner_id,
        environment=bound.environment,
        key_id=bound.key_id,
        expires_at=expires_at,
        expire_at=expires_at,
    ).save(TicketModel.id.does_not_exist())


def consume_ticket(ticket_hash: str, now_s: int) -> Bound | None:
    """The principal of an unused, unexpired ticket, which is deleted in the same step; None otherwise (unknown,
    used, expired: an expired one is deleted too)."""
    try:
        item = TicketModel.get(TICKET_PREFIX + ticket_hash, consistent_read=True)
    except TicketModel.DoesNotExist:
        return None
    try:
        item.delete(TicketModel.id.exists())
    except DeleteError as exc:
        if _conditional_failed(exc):
            return None  # another $connect consumed it first
        raise
    if int(item.expires_at) <= now_s:
        return None
    return Bound(item.owner_kind, item.owner_id, item.environment, item.key_id)


def put_connection(connection_id: str, bound: Bound, connected_at: datetime, expire_at: int) -> None:
    ConnectionModel(
        connection_id,
        owner_kind=bound.owner_kind,
        owner_id=bound.owner_id,
        environment=bound.environment,
        owner_key=owner_key(bound.environment, bound.owner_id),
        audience=audience(bound.environment, bound.owner_kind),
        connected_at=connected_at,
        expire_at=expire_at,
    ).save()


def delete_connection(connection_id: str) -> None:
    """Remove a connection (idempotent: an absent one is fine)."""
    ConnectionModel(connection_id).delete()


def connections_of(environment: str, owner_id: str) -> list[str]:
    """The open connection ids of one account in one environment."""
    return [c.id for c in ConnectionModel.by_owner.query(owner_key(environment, owner_id))]


def connections_of_audience(environment: str, owner_kind: str) -> list[str]:
    """The open connection ids of every account of ``owner_kind`` in ``environment``."""
    return [c.id for c in ConnectionModel.by_audience.query(audience(environment, owner_kind))]
