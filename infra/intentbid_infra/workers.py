"""Event sources for the workers in ``intentbid.workers.WORKERS``.

- ``sqs``: the queue feeds the function; failed items are reported per item (``ReportBatchItemFailures``)
  and move to the queue's DLQ after ``max_receive_count`` receives.
- ``stream``: the table's DynamoDB stream feeds the function with per-item failure reports, batch bisection
  on error, bounded retries and record age, and an on-failure destination queue (``<worker>-dlq``) that
  receives the failed batch's stream coordinates.
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from intentbid.workers import WORKERS, Worker
from intentbid_infra import config
from intentbid_infra.functions import Functions
from intentbid_infra.queues import Queues, secure_queue
from intentbid_infra.tables import Tables

STREAM_READ_ACTIONS = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)


class Workers(Construct):
    """Wires every worker to its source; ``failure_queues[function]`` are the stream workers' DLQs."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: config.StageConfig,
        functions: Functions,
        queues: Queues,
        tables: Tables,
        stack: str = "",
    ) -> None:
        super().__init__(scope, construct_id)
        self.failure_queues: dict[str, sqs.Queue] = {}
        for worker in (w for w in WORKERS if w.stack == stack):
            fn = functions.functions[worker.function]
            if worker.source == "sqs":
                self._sqs(worker, fn, queues, stage.reserved_concurrency_of(worker.function))
            elif worker.source == "stream":
                self._stream(worker, fn, functions.roles[worker.function], tables, stage)
            else:
                raise ValueError(f"worker {worker.function!r}: unknown source {worker.source!r}")

    @staticmethod
    def _sqs(worker: Worker, fn: lambda_.Function, queues: Queues, reserved: int | None = None) -> None:
        """``reserved``: the function's reserved concurrency; the poller is capped at it (``MaximumConcurrency``),
        so a full queue waits in SQS instead of being throttled into redeliveries (and the DLQ)."""
        if worker.resource not in queues.queues:
            raise KeyError(f"worker {worker.function!r} reads queue {worker.resource!r}, which QUEUES lacks")
        queue = queues.queues[worker.resource]
        timeout = config.WORKER_FUNCTION.timeout.to_seconds()
        visibility = queues.specs[worker.resource].visibility_timeout_s
        if visibility < timeout:
            raise ValueError(
                f"queue {worker.resource!r}: visibility timeout {visibility}s is shorter than the "
                f"worker's timeout {timeout}s (messages would be redelivered mid-flight)"
            )
        fn.add_event_source(
            sources.SqsEventSource(
                queue,
                batch_size=worker.batch_size,
                report_batch_item_failures=True,
                max_concurrency=reserved,  # None: unbounded; stages.py keeps a reservation >= 2 (SQS's minimum)
            )
        )

    def _stream(
        self, worker: Worker, fn: lambda_.Function, role: iam.Role, tables: Tables, stage: config.StageConfig
    ) -> None:
        if worker.resource not in tables.tables:
            raise KeyError(f"worker {worker.function!r} reads table {worker.resource!r}, which no model defines")
        table = tables.tables[worker.resource]
        if table.table_stream_arn is None:
            raise ValueError(
                f"worker {worker.function!r} reads the stream of {worker.resource!r}, "
                "but its model declares no stream_view"
            )
        dlq_name = worker.function.replace("_", "-") + "-dlq"
        dlq = secure_queue(
            self,
            f"{config.construct_id(worker.function)}Dlq",
            queue_name=config.resource_prefix(stage.name) + dlq_name,
            retention=config.DLQ_RETENTION,
        )
        self.failure_queues[worker.function] = dlq
        # Scoped to this stream (CDK's grantStreamRead would add ListStreams on "*").
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=list(STREAM_READ_ACTIONS), resources=[table.table_stream_arn])
        )
        fn.add_event_source_mapping(
            "Stream",
            event_source_arn=table.table_stream_arn,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=worker.batch_size,
            bisect_batch_on_error=True,
            retry_attempts=config.STREAM_RETRY_ATTEMPTS,
            max_record_age=config.STREAM_MAX_RECORD_AGE,
            report_batch_item_failures=True,
            on_failure=sources.SqsDlq(dlq),
        )
