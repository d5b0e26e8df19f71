"""SQS worker: one message per event -> its envelope posted to every open connection of its recipients
(partial batch failures: a failed message comes back alone; gone connections are deleted)."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from intentbid import config
from intentbid import observability as obs
from intentbid.services import realtime

config.cold_start()
processor = BatchProcessor(event_type=EventType.SQS)


def push(record: SQSRecord) -> None:
    msg = json.loads(record.body)
    obs.bind(correlation_id=msg.get("correlation_id"), event_id=msg.get("event_id"))
    result = realtime.push(msg)
    obs.logger.info(
        "realtime push", extra={"event_type": msg.get("event_type"), "sent": result.sent, "gone": result.gone}
    )


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        return dict(process_partial_response(event=event, record_handler=push, processor=processor, context=context))
    finally:
        try:
            obs.flush_metrics()
        except Exception:  # metrics never fail a batch
            obs.logger.warning("metrics flush failed")
