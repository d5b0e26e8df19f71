"""The integration tests' Lambda harness: the kit's (``intentbid_local.harness``), which drives the handlers
with the local gateway's own events, loader and context. Re-exported here under the name the tests import."""

from intentbid_local.harness import (
    api_event,
    authorizer_request,
    call,
    context,
    handler,
    invoke,
    sqs_messages,
    stream_inserts,
)

__all__ = [
    "api_event",
    "authorizer_request",
    "call",
    "context",
    "handler",
    "invoke",
    "sqs_messages",
    "stream_inserts",
]
