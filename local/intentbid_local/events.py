"""Sample Lambda events from ``events/``, checked on load, with overrides for tests.

``load_event("rfo_create", body={...})`` replaces top-level keys (a dict or list ``body`` is JSON-encoded);
``requestContext__authorizer__principal_id="buy_x"`` reaches into nested objects.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from intentbid_local import paths
from intentbid_local.proxy_events import REQUEST_FIELDS

_OFTEN_NULL = ("multiValueQueryStringParameters", "stageVariables")

_REQUIRED: dict[str, tuple[str, ...]] = {
    # the gateway's own fields, less two that are null more often than not, plus the body
    "apigw": (*(f for f in REQUEST_FIELDS if f not in _OFTEN_NULL), "body", "isBase64Encoded"),
    "authorizer": ("type", "methodArn", "path", "httpMethod", "headers", "requestContext"),
    "sqs": (
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    ),
    "stream": ("eventID", "eventName", "eventSource", "dynamodb", "eventSourceARN", "awsRegion"),
}


class EventError(ValueError):
    """A sample event that lacks what its kind needs."""


def kind_of(event: dict[str, Any]) -> str:
    if event.get("type") == "REQUEST" and "methodArn" in event:
        return "authorizer"
    if "httpMethod" in event and "requestContext" in event:
        return "apigw"
    records = event.get("Records")
    if isinstance(records, list) and records:
        source = records[0].get("eventSource") if isinstance(records[0], dict) else None
        if source == "aws:sqs":
            return "sqs"
        if source == "aws:dynamodb":
            return "stream"
    raise EventError("unknown event kind: expected an API Gateway proxy, REQUEST authorizer, SQS or stream event")


def validate(event: dict[str, Any], name: str = "event") -> str:
    """The event's kind; raises :class:`EventError` naming what is missing."""
    if not isinstance(event, dict):
        raise EventError(f"{name}: an event is a JSON object")
    kind = kind_of(event)
    items = event["Records"] if kind in ("sqs", "stream") else [event]
    for i, item in enumerate(items):
        missing = [k for k in _REQUIRED[kind] if k not in item]
        if missing:
            where = f"Records[{i}]" if kind in ("sqs", "stream") else "event"
            raise EventError(f"{name}: {kind} {where} lacks {', '.join(missing)}")
    if kind == "apigw":
        rc = event["requestContext"]
        if not rc.get("requestId") or "sourceIp" not in (rc.get("identity") or {}):
            raise EventError(f"{name}: requestContext needs requestId and identity.sourceIp")
        if event["body"] is not None and not isinstance(event["body"], str):
            raise EventError(f"{name}: body must be a string or null")
    if kind == "stream":
        for i, r in enumerate(event["Records"]):
            if not {"Keys", "SequenceNumber", "StreamViewType"} <= set(r["dynamodb"]):
                raise EventError(f"{name}: Records[{i}].dynamodb needs Keys, SequenceNumber, StreamViewType")
    return kind


def event_path(name: str | Path) -> Path:
    path = Path(name)
    if path.suffix != ".json":
        path = path.with_name(path.name + ".json")
    if path.is_file():
        return path
    return paths.events_dir() / path.name


def load_event(name: str | Path, **overrides: Any) -> dict[str, Any]:
    """Load ``events/<name>.json`` (or a path), validate it, apply ``overrides``, validate again."""
    path = event_path(name)
    event = json.loads(path.read_text())
    validate(event, path.name)
    event = copy.deepcopy(event)
    for key, value in overrides.items():
        *parents, leaf = key.split("__")
        target = event
        for p in parents:
            if not isinstance(target.get(p), dict):
                target[p] = {}
            target = target[p]
        target[leaf] = json.dumps(value) if leaf == "body" and isinstance(value, (dict, list)) else value
    if overrides:
        validate(event, path.name)
    return event
