"""Starting the RFO expiry state machine (Step Functions Standard: Wait -> SQS -> rfo_expire)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from intentbid import config
from intentbid import observability as obs
from intentbid.domain.clock import to_rfc3339


@cache
def _client() -> Any:
    import boto3

    return boto3.client("stepfunctions")


def execution_name(rfo_id: str, deadline_version: int) -> str:
    return f"{rfo_id}-v{deadline_version}"


def schedule(rfo_id: str, expires_at: datetime, deadline_version: int) -> bool:
    """Start the execution named after the RFO and its deadline version. Failure is logged, not raised:
    correctness never waits for the worker (reads and writes treat a past deadline as expired)."""
    arn = config.settings().deployment.expiry_state_machine_arn
    if not arn:
        return False
    # Whole seconds, rounded up: Step Functions' Wait (and moto's) may drop sub-second precision and fire early.
    due = expires_at.replace(microsecond=0) + (timedelta(seconds=1) if expires_at.microsecond else timedelta(0))
    payload = {"rfo_id": rfo_id, "expires_at": to_rfc3339(due), "deadline_version": deadline_version}
    try:
        _client().start_execution(
            stateMachineArn=arn, name=execution_name(rfo_id, deadline_version), input=json.dumps(payload)
        )
    except Exception as exc:  # an existing execution of the same name is fine; anything else is logged
        if "ExecutionAlreadyExists" in type(exc).__name__ or "ExecutionAlreadyExists" in str(
            getattr(exc, "response", {}).get("Error", {}).get("Code", "")
        ):
            return True
        obs.logger.exception("could not schedule RFO expiry", extra={"rfo_id": rfo_id})
        obs.count("ExpirySchedulingFailures")
        return False
    return True


@cache
def _sqs() -> Any:
    import boto3

    return boto3.client("sqs")


@cache
def _queue_url(queue_arn: str) -> str:
    _, _, _, _region, account, name = queue_arn.split(":", 5)
    return str(_sqs().get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"])


def retry_message_in(queue_arn: str, receipt_handle: str, seconds: int) -> None:
    """Make an early expiry message visible again when it is due (instead of the queue's visibility timeout)."""
    _sqs().change_message_visibility(
        QueueUrl=_queue_url(queue_arn), ReceiptHandle=receipt_handle, VisibilityTimeout=max(0, min(seconds, 43_200))
    )
