"""SQS worker: expire an RFO when the expiry state machine says its deadline has come.

Reports partial batch failures; a message that keeps failing lands in the queue's DLQ.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from intentbid import config
from intentbid.adapters import expiry_scheduler as schedule
from intentbid.observability import logger
from intentbid.services import expiry

config.cold_start()  # load and validate the settings: a bad value fails the cold start, naming it
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> str:
    msg = json.loads(record.body)
    try:
        outcome = expiry.expire(str(msg["rfo_id"]), int(msg["deadline_version"]), request_id=record.message_id)
    except expiry.NotDueYet as early:  # come back when due, not after the whole visibility timeout
        try:
            schedule.retry_message_in(record.event_source_arn, record.receipt_handle, early.seconds_left + 1)
        except Exception:  # best effort: without it the queue's visibility timeout redelivers the message
            logger.warning("could not shorten the early expiry message's visibility", extra={"rfo_id": msg["rfo_id"]})
        raise
    logger.info("expiry processed", extra={"rfo_id": msg["rfo_id"], "outcome": outcome})
    return outcome


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
