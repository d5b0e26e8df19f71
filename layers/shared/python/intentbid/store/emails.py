"""Notification email sent-records on DynamoDB (the email worker's idempotency, one item per event and account).

Claim, send, mark: :func:`claim` is a conditional put that succeeds when no record exists, or the record is an
expired ``sending`` lease (a sender that crashed between claim and SES); :func:`mark_sent` records SES's message id.
So a redelivered message after success sends nothing; one whose sender died mid-send sends again once its lease
lapsed (at least once, never lost; a duplicate needs a crash inside the SES call)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pynamodb.exceptions import PutError

from intentbid.store.models.emails import EmailModel

KEPT_S = 30 * 86_400


def record_id(event_id: str, owner_id: str) -> str:
    return f"{event_id}:{owner_id}"


def claim(fields: Mapping[str, Any], now: datetime, lease_s: int) -> bool:
    """Take the right to send (see the module); False when it is sent, or another sender holds a live lease."""
    at = int(now.timestamp())
    item = EmailModel(
        record_id(str(fields["event_id"]), str(fields["owner_id"])),
        **dict(fields),
        status="sending",
        lease_until=at + lease_s,
        created_at=now,
        expire_at=at + KEPT_S,
    )
    m = EmailModel
    try:
        item.save(condition=m.id.does_not_exist() | ((m.status == "sending") & (m.lease_until < at)))
    except PutError as exc:
        if getattr(exc, "cause_response_code", None) != "ConditionalCheckFailedException":
            raise
        return False
    return True


def mark_sent(event_id: str, owner_id: str, ses_message_id: str, now: datetime) -> None:
    m = EmailModel
    m(record_id(event_id, owner_id)).update(
        [m.status.set("sent"), m.ses_message_id.set(ses_message_id), m.sent_at.set(now)]
    )


def release(event_id: str, owner_id: str) -> None:
    """Give a claim back at once (SES refused: the retry need not wait for the lease)."""
    m = EmailModel
    m(record_id(event_id, owner_id)).update([m.lease_until.set(0)], condition=m.status == "sending")


def get(event_id: str, owner_id: str) -> EmailModel | None:
    try:
        return EmailModel.get(record_id(event_id, owner_id), consistent_read=True)
    except EmailModel.DoesNotExist:
        return None
