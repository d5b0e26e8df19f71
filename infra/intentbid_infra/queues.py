"""SQS queues from ``intentbid.workers.QUEUES``, each with its dead-letter queue ``<name>-dlq``."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from intentbid.workers import QUEUES, Queue
from intentbid_infra import config


def secure_queue(
    scope: Construct,
    construct_id: str,
    *,
    queue_name: str,
    retention: Duration,
    visibility_timeout: Duration | None = None,
    dead_letter_queue: sqs.DeadLetterQueue | None = None,
) -> sqs.Queue:
    """A queue as every queue here is: SQS-managed encryption, TLS-only access policy."""
    return sqs.Queue(
        scope,
        construct_id,
        queue_name=queue_name,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=retention,
        visibility_timeout=visibility_timeout,
        dead_letter_queue=dead_letter_queue,
    )


class Queues(Construct):
    """``queues[name]`` is the work queue, ``dlqs[name]`` its DLQ (after ``max_receive_count`` receives)."""

    def __init__(self, scope: Construct, construct_id: str, *, stage: config.StageConfig, stack: str = "") -> None:
        """``stack``: only the queues deployed in that stack (``Queue.stack``; "" = the main stack)."""
        super().__init__(scope, construct_id)
        prefix = config.resource_prefix(stage.name)
        self.queues: dict[str, sqs.Queue] = {}
        self.dlqs: dict[str, sqs.Queue] = {}
        self.specs: dict[str, Queue] = {q.logical_name: q for q in QUEUES if q.stack == stack}
        for spec in self.specs.values():
            cid = config.construct_id(spec.logical_name)
            dlq = secure_queue(
                self, f"{cid}Dlq", queue_name=f"{prefix}{spec.logical_name}-dlq", retention=config.DLQ_RETENTION
            )
            self.dlqs[spec.logical_name] = dlq
            self.queues[spec.logical_name] = secure_queue(
                self,
                cid,
                queue_name=prefix + spec.logical_name,
                retention=config.QUEUE_RETENTION,
                visibility_timeout=Duration.seconds(spec.visibility_timeout_s),
                dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=spec.max_receive_count),
            )

    def adopt(self, other: Queues) -> None:
        """Know another stack's work queues too, so grants can name them (its DLQs and their alarms stay there)."""
        self.specs.update(other.specs)
        self.queues.update(other.queues)
