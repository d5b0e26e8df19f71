"""SQS worker: one notification email per message (one message per event and account), through SES.

Each record is independent: a failure (SES refused, throttled, a store error) is reported in
``batchItemFailures`` so only that message comes back (the queue's visibility, then its DLQ after
``max_receive_count``); the others of the batch are deleted. A message already sent (a redelivery) is a
success that sends nothing (:func:`intentbid.services.email_channel.deliver`).
"""

from __future__ import annotations

import json
from typing import Any

from intentbid import config
from intentbid import observability as obs
from intentbid.services import email_channel

config.cold_start()  # load and validate the settings: a bad value fails the cold start, naming it


def send(record: dict[str, Any]) -> bool:
    """One record; True when the message is done (delete it), False when it must come back."""
    msg: dict[str, Any] = {}
    obs.reset_request_context(function_request_id=record.get("messageId"))
    try:
        msg = json.loads(record["body"])
        obs.bind(correlation_id=msg.get("correlation_id"), event_id=msg.get("event_id"))
        email_channel.deliver(msg)
    except Exception:
        obs.logger.exception("email send failed", extra={"event_id": msg.get("event_id")})
        return False
    return True


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    records = list(event.get("Records") or [])
    done = [send(r) for r in records]
    try:
        obs.flush_metrics()
    except Exception:  # metrics never fail a batch
        obs.logger.warning("metrics flush failed")
    return {
        "batchItemFailures": [{"itemIdentifier": r["messageId"]} for r, ok in zip(records, done, strict=True) if not ok]
    }
