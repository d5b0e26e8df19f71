"""Event-source pollers: the local stand-in for Lambda's event source mappings.

- SQS: long-poll ``ReceiveMessage`` (1 s), invoke the worker with a real SQS event, delete what succeeded.
  Messages named in ``batchItemFailures`` (or the whole batch when the worker raises or answers malformed)
  are left alone: they return after the visibility timeout and reach the DLQ by the queue's redrive policy.
- DynamoDB streams: read every shard from TRIM_HORIZON (the tables are created with the runtime, so nothing
  is skipped), invoke the worker with real stream events, and on failure retry from the lowest failed
  sequence number up to ``STREAM_MAX_RETRIES`` times, then skip the batch with a warning (Lambda would send
  it to the on-failure destination).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from intentbid_local import faults
from intentbid_local.functions import Handler
from intentbid_local.lambda_context import context_for
from intentbid_local.lambda_events import failed_item_ids, sqs_event, stream_event

STREAM_POLL_INTERVAL_S = 0.25
STREAM_MAX_RETRIES = 3
STREAM_RETRY_DELAY_S = 0.5
SQS_WAIT_S = 1
ClientFactory = Callable[[str], Any]
log = logging.getLogger("intentbid_local.pollers")


class Poller:
    """A worker's poll loop on its own thread; ``stop()`` ends it within about a second."""

    def __init__(self, function: str, handler: Handler, batch_size: int, client: ClientFactory) -> None:
        self.function = function
        self.handler = handler
        self.batch_size = batch_size
        self._client = client
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"poller-{function}", daemon=True)
        self.invocations = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float = 5.0) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception as exc:  # moto restarting, a reset, a transient error: back off and go on
                if not self._stop.is_set():
                    log.warning("poller %s: %s: %s", self.function, type(exc).__name__, exc)
                    self._stop.wait(1.0)

    def poll_once(self) -> None:
        raise NotImplementedError

    def _invoke(self, event: dict[str, Any], timeout_s: float) -> tuple[Any, bool]:
        """(result, raised)."""
        self.invocations += 1
        started = time.perf_counter()
        try:
            result = self.handler(event, context_for(self.function, timeout_s))
        except Exception:
            log.exception("worker %s raised", self.function)
            return None, True
        finally:
            log.info(
                "worker %s: %d record(s) in %.1fms",
                self.function,
                len(event["Records"]),
                (time.perf_counter() - started) * 1000,
            )
        return result, False


class SqsPoller(Poller):
    def __init__(
        self,
        function: str,
        handler: Handler,
        batch_size: int,
        client: ClientFactory,
        queue_url: str,
        queue_arn: str,
        visibility_timeout_s: float,
    ) -> None:
        super().__init__(function, handler, batch_size, client)
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.visibility_timeout_s = visibility_timeout_s
        self._sqs = client("sqs")

    def poll_once(self) -> None:
        resp = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(10, self.batch_size),
            WaitTimeSeconds=SQS_WAIT_S,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = resp.get("Messages", [])
        if not messages or self._stop.is_set():
            return
        if _crash_mid_batch(self, lambda part: sqs_event(part, self.queue_arn), messages, self.visibility_timeout_s):
            return  # nothing deleted: the whole batch returns after the visibility timeout
        result, raised = self._invoke(sqs_event(messages, self.queue_arn), self.visibility_timeout_s)
        injector = faults.current()
        if not raised and injector is not None and injector.draw("sqs_duplicate"):
            # SQS is at-least-once: the same messages again (another receive: one more receive count).
            log.info("worker %s: the batch is delivered again (fault: sqs_duplicate)", self.function)
            self._invoke(sqs_event([_received_again(m) for m in messages], self.queue_arn), self.visibility_timeout_s)
        ids = {m["MessageId"] for m in messages}
        failed = ids if raised else failed_item_ids(result, ids)
        if failed is None:
            log.warning("worker %s: malformed batchItemFailures, the whole batch fails", self.function)
            failed = ids
        done = [m for m in messages if m["MessageId"] not in failed]
        for i in range(0, len(done), 10):
            self._sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done[i : i + 10])],
            )
        if failed:
            log.info(
                "worker %s: %d message(s) failed; they return after the visibility timeout", self.function, len(failed)
            )


class StreamPoller(Poller):
    def __init__(
        self,
        function: str,
        handler: Handler,
        batch_size: int,
        client: ClientFactory,
        table_name: str,
        start_after: tuple[str, dict[str, str]] | None = None,
    ) -> None:
        """``start_after``: (stream ARN, {shard: sequence number}) already handled, e.g. the records a restore
        of saved data wrote (``intentbid_local.snapshot.stream_positions``)."""
        super().__init__(function, handler, batch_size, client)
        self.table_name = table_name
        self._ddb = client("dynamodb")
        self._streams = client("dynamodbstreams")
        self.stream_arn: str | None = start_after[0] if start_after else None
        self._iterators: dict[str, str | None] = {}
        self._checkpoints: dict[str, str] = dict(start_after[1]) if start_after else {}  # shard -> last handled

    def _open(self) -> None:
        arn = self._ddb.describe_table(TableName=self.table_name)["Table"].get("LatestStreamArn")
        if not arn:
            raise RuntimeError(f"table {self.table_name} has no stream")
        if arn != self.stream_arn:
            self._checkpoints.clear()  # a new stream (a reset): start from its beginning
        self.stream_arn = arn
        shards = self._streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        self._iterators = {}
        for shard in shards:
            sid = shard["ShardId"]
            kwargs: dict[str, Any] = {"ShardIteratorType": "TRIM_HORIZON"}
            if sid in self._checkpoints:
                kwargs = {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": self._checkpoints[sid]}
            self._iterators[sid] = self._streams.get_shard_iterator(StreamArn=arn, ShardId=sid, **kwargs)[
                "ShardIterator"
            ]

    def poll_once(self) -> None:
        if self.stream_arn is None or not any(self._iterators.values()):
            self._open()
        got_any = False
        try:
            for sid, iterator in list(self._iterators.items()):
                if iterator is None or self._stop.is_set():
                    continue
                resp = self._streams.get_records(ShardIterator=iterator, Limit=self.batch_size)
                records = resp.get("Records", [])
                if records:
                    got_any = True
                    self._deliver(sid, records)
                self._iterators[sid] = resp.get("NextShardIterator")
        except Exception:
            self.stream_arn = None  # re-open from the checkpoints on the next round
            raise
        if not got_any:
            self._stop.wait(STREAM_POLL_INTERVAL_S)

    def _deliver(self, shard_id: str, records: list[dict[str, Any]]) -> None:
        assert self.stream_arn is not None
        batch = records
        for attempt in range(STREAM_MAX_RETRIES + 1):
            seqs = {r["dynamodb"]["SequenceNumber"] for r in batch}
            arn: str = self.stream_arn

            def event_of(part: list[dict[str, Any]], a: str = arn) -> dict[str, Any]:
                return stream_event(part, a)

            if _crash_mid_batch(self, event_of, batch, 60.0):
                result, raised = None, True  # Lambda retries the whole batch
            else:
                result, raised = self._invoke(stream_event(batch, self.stream_arn), 60.0)
            failed = seqs if raised else failed_item_ids(result, seqs)
            if failed is None:
                log.warning("worker %s: malformed batchItemFailures, the whole batch fails", self.function)
                failed = seqs
            if not failed:
                break
            lowest = min(int(s) for s in failed)
            batch = [r for r in batch if int(r["dynamodb"]["SequenceNumber"]) >= lowest]
            if attempt == STREAM_MAX_RETRIES or self._stop.is_set():
                log.warning(
                    "worker %s: %d record(s) still failing after %d retries; skipped (Lambda would "
                    "send them to the on-failure destination)",
                    self.function,
                    len(batch),
                    attempt,
                )
                break
            self._stop.wait(STREAM_RETRY_DELAY_S)
        self._checkpoints[shard_id] = records[-1]["dynamodb"]["SequenceNumber"]


def _crash_mid_batch(
    poller: Poller, event_of: Callable[[list[dict[str, Any]]], dict[str, Any]], batch: list[Any], timeout_s: float
) -> bool:
    """Fault ``worker_crash``: the worker handles the first half of the batch (at least one record), then its
    process dies. True when it did: the whole batch counts as failed, as when a Lambda crashes."""
    injector = faults.current()
    if injector is None or not batch or not injector.plan.crashes(poller.function) or not injector.draw("worker_crash"):
        return False
    part = batch[: max(1, len(batch) // 2)]
    poller._invoke(event_of(part), timeout_s)
    log.info("worker %s crashed after %d of %d record(s) (fault: worker_crash)", poller.function, len(part), len(batch))
    return True


def _received_again(message: dict[str, Any]) -> dict[str, Any]:
    attrs = dict(message.get("Attributes") or {})
    attrs["ApproximateReceiveCount"] = str(int(attrs.get("ApproximateReceiveCount", "1")) + 1)
    return {**message, "Attributes": attrs}
