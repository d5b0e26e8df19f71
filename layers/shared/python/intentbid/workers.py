"""Event-source workers: the one list of non-HTTP functions and what feeds them.

Like the route table for endpoints, this drives CDK (event source mappings, queues with DLQs) and the local
runtime's pollers (SQS receive loops and DynamoDB-stream readers that build real Lambda events).
"""

from __future__ import annotations

from dataclasses import dataclass

WORKER_TIMEOUT_S = 30  # every worker function's Lambda timeout (< every queue's visibility timeout)


@dataclass(frozen=True, slots=True)
class Queue:
    logical_name: str
    visibility_timeout_s: int = 60
    max_receive_count: int = 5  # then the message moves to the queue's DLQ (<name>-dlq)
    stack: str = ""  # "" = the main stack; REALTIME_STACK = the channels nested stack: realtime and email (CDK only)


@dataclass(frozen=True, slots=True)
class Worker:
    function: str  # functions/<function>/app.py
    source: str  # "sqs" | "stream"
    resource: str  # queue logical name, or table logical name (for streams)
    batch_size: int = 10
    summary: str = ""
    stack: str = ""  # as Queue.stack


REALTIME_STACK = "realtime"

QUEUES: tuple[Queue, ...] = (
    Queue("rfo-expiry"),
    # Retries ride on the message's visibility (up to 10 h), so the receive count is the attempt count; the
    # worker moves a spent delivery to the DLQ itself. max_receive_count only catches a worker that keeps
    # crashing on a message. The visibility timeout outlasts one attempt (15 s) and a batch of them.
    Queue("webhook", visibility_timeout_s=120, max_receive_count=20),
    # One message per event (its recipients in it); a push is a few Management API calls, retried 5 times.
    Queue("realtime", visibility_timeout_s=60, max_receive_count=5, stack=REALTIME_STACK),
    # One message per (event, account); SES failures come back by visibility, then the DLQ (and its alarm).
    Queue("email", visibility_timeout_s=60, max_receive_count=5, stack=REALTIME_STACK),
)

WORKERS: tuple[Worker, ...] = (
    Worker(
        "outbox_dispatch",
        "stream",
        "outbox",
        batch_size=50,
        summary="Fans outbox events out (metrics now; webhooks, email and billing queues later)",
    ),
    Worker(
        "rfo_expire", "sqs", "rfo-expiry", summary="Expires an RFO at its deadline (sent by the expiry state machine)"
    ),
    Worker(
        "webhook_deliver",
        "sqs",
        "webhook",
        batch_size=10,
        summary="Delivers one event to one webhook endpoint per message (signed), retrying on the schedule",
    ),
    Worker(
        "realtime_push",
        "sqs",
        "realtime",
        batch_size=10,
        summary="Posts one event to every open WebSocket of its recipients (Management API; gone ones deleted)",
        stack=REALTIME_STACK,
    ),
    Worker(
        "email_send",
        "sqs",
        "email",
        batch_size=10,
        summary="Sends one notification email per message through SES (text + HTML), once per event and account",
        stack=REALTIME_STACK,  # a channel too: deployed beside realtime's (the main stack is near 500 resources)
    ),
)

# Functions that are neither routes nor workers.
AUTHORIZER = "authorizer"
# The WebSocket API (realtime nested stack): its $connect authorizer and its route -> function.
REALTIME_AUTHORIZER = "realtime_authorize"
WEBSOCKET_ROUTES: dict[str, str] = {"$connect": "realtime_connect", "$disconnect": "realtime_disconnect"}
REALTIME_FUNCTIONS: tuple[str, ...] = (REALTIME_AUTHORIZER, *WEBSOCKET_ROUTES.values(), "realtime_push")
# Every function of the channels nested stack (REALTIME_STACK): realtime's and the email worker.
NESTED_FUNCTIONS: tuple[str, ...] = (*REALTIME_FUNCTIONS, "email_send")
