"""The realtime channel: one-time tickets, WebSocket connections bound to a principal, and the push of events.

- ``POST /v1/realtime/tickets`` mints a ticket (~256 bits, stored only as its SHA-256, usable once, for
  ``INTENTBID_REALTIME_TICKET_TTL_S``) bound to the caller's kind, account and environment (its key's).
- ``$connect``: the WebSocket authorizer consumes the ticket (:func:`authorize`: unknown, used or expired ->
  refused, 401), and the connect route stores the connection under that principal (:func:`connect`).
- The fan-out seam hands every catalog event to :func:`publish`, which queues ONE message on the realtime queue
  with its recipients (an account, or every account of a kind in the event's environment) and the envelope each
  gets: the same bytes a webhook of that recipient receives, so a socket never carries more than the recipient
  may read through the API (a vendor never gets another vendor's offer events: fanout's rules).
- The realtime worker :func:`push`es a message: each recipient's connections of the event's environment
  (sandbox to sandbox, live to live), each gets the envelope through the API Gateway Management API; a gone
  connection (410) is deleted.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from intentbid import observability as obs
from intentbid.config import settings
from intentbid.domain import clock
from intentbid.domain.errors import ServiceUnavailable
from intentbid.domain.principal import Principal
from intentbid.schemas.realtime import RealtimeTicket
from intentbid.store import realtime as store

if TYPE_CHECKING:
    from intentbid.services.fanout import Event

TICKET_PREFIX = "rtk_"
KINDS = ("vendor", "buyer")


def ticket_hash(ticket: str) -> str:
    return hashlib.sha256(ticket.encode("utf-8")).hexdigest()


def create_ticket(principal: Principal) -> RealtimeTicket:
    """A one-time ticket for the caller's own event stream (its kind, account and key's environment)."""
    url = settings().deployment.realtime_url
    if not url:
        raise ServiceUnavailable("The realtime channel is not configured on this stage.")
    ttl = settings().realtime.realtime_ticket_ttl_s
    ticket = TICKET_PREFIX + secrets.token_urlsafe(32)
    bound = store.Bound(principal.kind, principal.id, principal.environment, principal.key_id)
    store.put_ticket(ticket_hash(ticket), bound, int(clock.now_s()) + ttl)
    obs.count("RealtimeTicketsIssued", 1, kind=principal.kind)
    return RealtimeTicket(ticket=ticket, url=url, expires_in=ttl)


def authorize(ticket: str | None) -> store.Bound | None:
    """Consume a ticket: its principal once, then never again; None for an unknown, used or expired one."""
    if not ticket or not ticket.startswith(TICKET_PREFIX) or len(ticket) > 100:
        return None
    bound = store.consume_ticket(ticket_hash(ticket), int(clock.now_s()))
    if bound is None or bound.owner_kind not in KINDS:
        return None
    return bound


def bound_of(context: Mapping[str, Any]) -> store.Bound | None:
    """The principal the WebSocket authorizer put in the connect event's ``requestContext.authorizer``."""
    kind, owner, env = (str(context.get(k) or "") for k in ("owner_kind", "owner_id", "environment"))
    if kind not in KINDS or not owner or env not in ("live", "test"):
        return None
    return store.Bound(kind, owner, env, str(context.get("key_id") or ""))


def connect(connection_id: str, bound: store.Bound) -> None:
    expire_at = int(clock.now_s()) + settings().realtime.realtime_connection_ttl_s
    store.put_connection(connection_id, bound, clock.now(), expire_at)
    obs.count("RealtimeConnections", 1, kind=bound.owner_kind)


def disconnect(connection_id: str) -> None:
    store.delete_connection(connection_id)


# --- the fan-out seam


def message_of(ev: Event) -> dict[str, Any] | None:
    """The realtime queue's message for one event: its recipients (owner or ``*``, kind, the envelope)."""
    recipients = [
        {"owner_id": r.owner_id, "kind": r.kind, "body": r.body.decode()} for r in ev.recipients if r.kind in KINDS
    ]
    if not recipients:
        return None
    return {
        "event_id": ev.id,
        "event_type": ev.type,
        "environment": ev.environment,
        "correlation_id": ev.correlation_id,
        "recipients": recipients,
    }


@cache
def _sqs() -> Any:
    import boto3

    return boto3.client("sqs", region_name=settings().deployment.region)


def publish(ev: Event) -> int:
    """Queue one realtime message for the event (none without recipients or without a realtime queue); the
    number of messages queued. Called by ``fanout.fan_out`` for every catalog event."""
    url = settings().deployment.queue_url_realtime
    msg = message_of(ev) if url else None
    if msg is None:
        return 0
    attrs = {}
    if ev.correlation_id:
        attrs["correlation_id"] = {"DataType": "String", "StringValue": ev.correlation_id}
    _sqs().send_message(QueueUrl=url, MessageBody=json.dumps(msg, separators=(",", ":")), MessageAttributes=attrs)
    obs.count("RealtimeEventsQueued", 1, event_type=ev.type)
    return 1


# --- the realtime worker


@dataclass(frozen=True, slots=True)
class PushResult:
    sent: int
    gone: int


@cache
def management_client() -> Any:
    """The API Gateway Management API of the WebSocket stage (``AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI``: the
    stage's callback URL in AWS, the local gateway locally)."""
    import boto3
    from botocore.config import Config

    d = settings().deployment
    return boto3.client(
        "apigatewaymanagementapi",
        region_name=d.region,
        endpoint_url=d.aws_endpoint_url_apigatewaymanagementapi or None,
        config=Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2}),
    )


def _connections(environment: str, owner_id: str, kind: str) -> list[str]:
    if owner_id == "*":
        return store.connections_of_audience(environment, kind)
    return store.connections_of(environment, owner_id)


def push(
    message: Mapping[str, Any], client: Any | None = None, lookup: Callable[..., list[str]] | None = None
) -> PushResult:
    """Post the event's envelope to every open connection of each recipient in the event's environment.
    A gone connection (``GoneException``) is deleted; any other failure raises, so the message comes back (a
    connection that already got it may get it twice: clients dedupe on the event ``id``)."""
    api = client if client is not None else management_client()
    find = lookup or _connections
    environment = str(message["environment"])
    sent = gone = 0
    seen: set[str] = set()
    for r in message.get("recipients") or []:
        data = str(r["body"]).encode()
        for connection_id in find(environment, str(r["owner_id"]), str(r["kind"])):
            if connection_id in seen:
                continue
            seen.add(connection_id)
            try:
                api.post_to_connection(ConnectionId=connection_id, Data=data)
                sent += 1
            except api.exceptions.GoneException:
                store.delete_connection(connection_id)
                gone += 1
    if sent:
        obs.count("RealtimeMessagesSent", sent, event_type=str(message.get("event_type", "")))
    if gone:
        obs.count("RealtimeConnectionsGone", gone)
    return PushResult(sent, gone)
