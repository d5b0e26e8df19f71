"""The email channel (API.md "Email"; rules and templates: :mod:`intentbid.domain.email`).

Fan-out (:func:`queue`, called by :func:`intentbid.services.fanout.fan_out`): one SQS message on the email queue
per (event, recipient account that has the type in its ``email_events``), live events only. Recipients ``"*"``
(``rfo.created`` to every vendor) are never emailed: ``rfo.created`` is no email event, so no event ever reads
every vendor. The accounts are read once per event (one BatchGetItem), and only for an emailable type.

Sending (:func:`deliver`, the ``email_send`` worker): claim the (event, account) sent-record, render the template,
send one MIME message (plain text + HTML alternatives, ``X-Correlation-Id`` when the event has one) through SES v2,
record SES's message id. A redelivered message finds the record and sends nothing. The address comes in the
message (read at fan-out); no secret is ever in a message, a body or a log line (the address is not logged).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import cache
from typing import TYPE_CHECKING, Any

from intentbid import observability as obs
from intentbid.config import settings
from intentbid.domain import clock, email

if TYPE_CHECKING:
    from intentbid.services.fanout import Event

LEASE_S = 60  # a claim outlives one worker invocation (30 s): then a crashed sender's message may send again
_ANY_EMAILABLE = frozenset(t for kind in email.DEFAULT_EVENTS for t in email.emailable(kind))


def _object(body: bytes) -> dict[str, Any]:
    try:
        env = json.loads(body)
        return dict((env.get("data") or {}).get("object") or {})
    except (ValueError, AttributeError):
        return {}


def messages_for(ev: Event) -> list[dict[str, Any]]:
    """The email messages of one event: one per opted-in recipient account (see the module)."""
    if ev.environment != "live" or ev.type not in _ANY_EMAILABLE:
        return []
    from intentbid.store import accounts

    named = [r for r in ev.recipients if r.owner_id != "*"]
    if not named:
        return []
    by_id = {a.id: a for a in accounts.notification_settings([r.owner_id for r in named])}
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for r in named:
        a = by_id.get(r.owner_id)
        if a is None or r.owner_id in seen or a.kind != r.kind or a.status != "active":
            continue
        to = a.notify_email or a.email
        chosen = None if a.email_events is None else [str(t) for t in a.email_events]
        if not to or not email.wants(chosen, a.kind, ev.type):
            continue
        seen.add(r.owner_id)
        out.append(
            {
                "event_id": ev.id,
                "event_type": ev.type,
                "event_created_at": ev.created_at,
                "environment": ev.environment,
                "owner_id": a.id,
                "owner_kind": a.kind,
                "account_name": a.name,
                "to": to,
                "correlation_id": ev.correlation_id,
                "object": _object(r.body),
            }
        )
    return out


@cache
def _sqs() -> Any:
    import boto3

    return boto3.client("sqs", region_name=settings().deployment.region)


def queue(ev: Event) -> int:
    """Queue the event's emails (10 per SendMessageBatch); the number queued. No queue configured: none."""
    url = settings().deployment.queue_url_email
    if not url:
        return 0
    msgs = messages_for(ev)
    for i in range(0, len(msgs), 10):
        chunk = msgs[i : i + 10]
        entries = []
        for n, m in enumerate(chunk):
            entry: dict[str, Any] = {"Id": str(n), "MessageBody": json.dumps(m, separators=(",", ":"))}
            if m.get("correlation_id"):
                entry["MessageAttributes"] = {
                    "correlation_id": {"DataType": "String", "StringValue": str(m["correlation_id"])}
                }
            entries.append(entry)
        resp = _sqs().send_message_batch(QueueUrl=url, Entries=entries)
        if resp.get("Failed"):
            raise RuntimeError(f"{len(resp['Failed'])} email message(s) not queued: {resp['Failed'][0].get('Code')}")
    if msgs:
        obs.count("EmailsQueued", len(msgs), event_type=ev.type)
    return len(msgs)


def mime(msg: Mapping[str, Any], sender: str) -> tuple[EmailMessage, email.Message]:
    """The MIME message of one email message (multipart/alternative: text, then HTML) and what it renders."""
    rendered = email.render(
        str(msg["event_type"]), str(msg["event_id"]), dict(msg.get("object") or {}), str(msg.get("account_name") or "")
    )
    m = EmailMessage()
    m["From"] = sender
    m["To"] = str(msg["to"])
    m["Subject"] = rendered.subject
    m["Date"] = formatdate(usegmt=True)
    m["Message-ID"] = make_msgid(idstring=str(msg["event_id"]), domain="intentbid")
    m["X-IntentBid-Event-Id"] = str(msg["event_id"])
    m["X-IntentBid-Event-Type"] = str(msg["event_type"])
    if msg.get("correlation_id"):
        m["X-Correlation-Id"] = str(msg["correlation_id"])
    m.set_content(rendered.text)
    m.add_alternative(rendered.html, subtype="html")
    return m, rendered


@cache
def _ses() -> Any:
    import boto3

    return boto3.client("sesv2", region_name=settings().deployment.region)


def deliver(msg: Mapping[str, Any]) -> str:
    """Send one email message once: ``sent``, ``duplicate`` (already sent, or another sender holds it) or
    ``disabled`` (no sender configured: dropped, logged). SES failures raise (the message comes back; the
    queue's DLQ takes it after its receives) and give the claim back first."""
    from intentbid.store import emails

    sender = settings().deployment.email_from
    event_id, owner_id = str(msg["event_id"]), str(msg["owner_id"])
    log = {"event_id": event_id, "owner_id": owner_id, "event_type": msg.get("event_type")}
    if not sender:
        obs.logger.warning("no EMAIL_FROM configured: email dropped", extra=log)
        return "disabled"
    message, rendered = mime(msg, sender)
    now = clock.now()
    fields = {
        "owner_id": owner_id,
        "event_id": event_id,
        "event_type": str(msg["event_type"]),
        "to": str(msg["to"]),
        "subject": rendered.subject,
        "correlation_id": msg.get("correlation_id") or None,
    }
    if not emails.claim(fields, now, LEASE_S):
        obs.logger.info("email already sent (or being sent): skipped", extra=log)
        obs.count("EmailsDuplicate", 1, event_type=str(msg["event_type"]))
        return "duplicate"
    try:
        resp = _ses().send_email(
            FromEmailAddress=sender,
            Destination={"ToAddresses": [str(msg["to"])]},
            Content={"Raw": {"Data": message.as_bytes()}},
        )
    except Exception:
        try:
            emails.release(event_id, owner_id)
        except Exception:  # best effort: the lease lapses anyway
            obs.logger.warning("could not release the email claim", extra=log)
        raise
    emails.mark_sent(event_id, owner_id, str(resp.get("MessageId") or ""), clock.now())
    obs.logger.info("email sent", extra={**log, "ses_message_id": resp.get("MessageId")})
    obs.count("EmailsSent", 1, event_type=str(msg["event_type"]))
    return "sent"
