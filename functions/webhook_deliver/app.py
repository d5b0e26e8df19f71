"""SQS worker: one webhook delivery attempt per message (one message per event and endpoint).

The records of a batch are attempted concurrently (one thread each), so a slow receiver holds only its own
message, never the others of its batch; each attempt is bounded by the guard's deadline. A failed attempt with
another due sets the message's visibility to the wait (the retry schedule, or the receiver's ``Retry-After``)
and is reported in ``batchItemFailures``, so SQS hands it back then; everything else - success, a 410, a spent
schedule (moved to the DLQ), an endpoint gone - lets the message be deleted.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from intentbid import config
from intentbid import observability as obs
from intentbid.adapters import expiry_scheduler as schedule
from intentbid.services import deliveries

config.cold_start()  # load and validate the settings: a bad value fails the cold start, naming it
_pool = ThreadPoolExecutor(max_workers=10, thread_name_prefix="deliver")


def attempt(record: dict[str, Any]) -> bool:
    """One record's attempt; True when the message is done (delete it), False when it must come back."""
    msg: dict[str, Any] = {}
    obs.reset_request_context(function_request_id=record.get("messageId"))
    try:
        msg = json.loads(record["body"])
        obs.bind(correlation_id=msg.get("correlation_id"), webhook_id=msg.get("webhook_id"))
        result = deliveries.deliver(msg)
    except deliveries.RetryLater as later:
        try:
            schedule.retry_message_in(record["eventSourceARN"], record["receiptHandle"], later.seconds)
        except Exception:  # best effort: without it the queue's visibility timeout brings it back
            obs.logger.warning("could not set the retry's visibility", extra={"delivery_id": msg.get("delivery_id")})
        return False
    except Exception:
        obs.logger.exception("webhook attempt raised", extra={"delivery_id": msg.get("delivery_id")})
        return False
    obs.logger.info(
        "webhook attempt",
        extra={"delivery_id": msg.get("delivery_id"), "status": result.status, "attempts": result.attempt},
    )
    return True


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    records = list(event.get("Records") or [])
    done = list(_pool.map(attempt, records))
    try:
        obs.flush_metrics()
    except Exception:  # metrics never fail a batch
        obs.logger.warning("metrics flush failed")
    return {
        "batchItemFailures": [{"itemIdentifier": r["messageId"]} for r, ok in zip(records, done, strict=True) if not ok]
    }
