"""DynamoDB-stream worker on the outbox table: fans events out.

Today it records each event (log line + metric per type); the notifications issue adds the webhook, email and
billing queues here. Reports partial batch failures so one bad record never blocks the stream.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from intentbid import config
from intentbid.services import dispatch

config.cold_start()  # load and validate the settings: a bad value fails the cold start, naming it
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord) -> None:
    if record.dynamodb is None or record.dynamodb.new_image is None:
        return  # TTL removals and other non-inserts carry nothing to dispatch
    dispatch.dispatch(dict(record.dynamodb.new_image))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
    return dict(response)
