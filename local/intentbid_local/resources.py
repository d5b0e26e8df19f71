"""Tables, queues (each with its DLQ and redrive policy) and the expiry state machine, created from the same
definitions CDK uses: the PynamoDB models, ``intentbid.workers.QUEUES`` and the ASL asset."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources as pkg_resources
from typing import Any

from intentbid_local.environment import REGION, STAGE, queue_env_name
from intentbid_local.lambda_context import ACCOUNT_ID

STATE_MACHINE_LOGICAL = "rfo-expiry"
EXPIRY_QUEUE = "rfo-expiry"


def physical(logical: str) -> str:
    return f"intentbid-{STAGE}-{logical}"


@dataclass
class Resources:
    tables: list[str] = field(default_factory=list)
    queue_urls: dict[str, str] = field(default_factory=dict)  # logical name (DLQs too) -> URL
    queue_arns: dict[str, str] = field(default_factory=dict)
    state_machine_arn: str = ""
    email_from: str = ""  # the verified moto SES sender of the email worker (the local mail view shows its mail)

    def env(self) -> dict[str, str]:
        """What the handlers need: ``QUEUE_URL_<NAME>`` per queue and ``EXPIRY_STATE_MACHINE_ARN``."""
        out = {queue_env_name(name): url for name, url in self.queue_urls.items()}
        if self.state_machine_arn:
            out["EXPIRY_STATE_MACHINE_ARN"] = self.state_machine_arn
        if self.email_from:
            out["EMAIL_FROM"] = self.email_from
        return out


def create_tables(dynamodb: Any) -> list[str]:
    from intentbid.store.tables import all_specs, create_all

    create_all(dynamodb)
    return [spec.physical_name for spec in all_specs()]


def create_queues(
    sqs: Any, visibility_timeout_s: int | None = None, max_receive_count: int | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """Each queue of ``QUEUES`` and its ``<name>-dlq``. The overrides make redrive fast in tests."""
    from intentbid.workers import QUEUES

    urls: dict[str, str] = {}
    arns: dict[str, str] = {}
    for q in QUEUES:
        dlq = f"{q.logical_name}-dlq"
        urls[dlq] = sqs.create_queue(QueueName=physical(dlq), Attributes={"MessageRetentionPeriod": "1209600"})[
            "QueueUrl"
        ]
        arns[dlq] = _queue_arn(physical(dlq))
        redrive = {"deadLetterTargetArn": arns[dlq], "maxReceiveCount": str(max_receive_count or q.max_receive_count)}
        urls[q.logical_name] = sqs.create_queue(
            QueueName=physical(q.logical_name),
            Attributes={
                "VisibilityTimeout": str(visibility_timeout_s or q.visibility_timeout_s),
                "RedrivePolicy": json.dumps(redrive),
            },
        )["QueueUrl"]
        arns[q.logical_name] = _queue_arn(physical(q.logical_name))
    return urls, arns


def _queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"


def expiry_definition(queue_url: str) -> str:
    text = pkg_resources.files("intentbid").joinpath("assets/rfo_expiry.asl.json").read_text()
    return text.replace("${ExpiryQueueUrl}", queue_url)


def create_state_machine(sfn: Any, queue_url: str) -> str:
    name = physical(STATE_MACHINE_LOGICAL)
    for sm in sfn.list_state_machines().get("stateMachines", []):
        if sm["name"] == name:
            return str(sm["stateMachineArn"])
    return str(
        sfn.create_state_machine(
            name=name,
            definition=expiry_definition(queue_url),
            type="STANDARD",
            roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{physical('sfn-expiry')}",
        )["stateMachineArn"]
    )


def provision(
    session: Any,
    endpoint_url: str | None,
    visibility_timeout_s: int | None = None,
    max_receive_count: int | None = None,
) -> Resources:
    def client(service: str) -> Any:
        return session.client(service, region_name=REGION, endpoint_url=endpoint_url)

    res = Resources()
    res.tables = create_tables(client("dynamodb"))
    res.queue_urls, res.queue_arns = create_queues(client("sqs"), visibility_timeout_s, max_receive_count)
    if EXPIRY_QUEUE in res.queue_urls:
        res.state_machine_arn = create_state_machine(client("stepfunctions"), res.queue_urls[EXPIRY_QUEUE])
    from intentbid_local import mail_view

    mail_view.verify_sender(client("sesv2"))
    res.email_from = mail_view.SENDER
    return res
