"""Handlers in-process, invoked as Lambda invokes them: for the integration tests and the in-process benches.

The events are the local gateway's and pollers' own (:mod:`proxy_events`, :mod:`lambda_events`), the loader is
the runtime's (:mod:`functions`), the context is :mod:`lambda_context`'s: what a test drives is what ``make dev``
runs. A ``principal`` stands for what the authorizer found (``{"kind", "id", "scopes", "key_id"?,
"environment"?, "auth_error"?}``) and becomes ``requestContext.authorizer`` as API Gateway passes it.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

from intentbid.routes import BY_FUNCTION
from intentbid_local.functions import FunctionLoader, Handler
from intentbid_local.lambda_context import ACCOUNT_ID, REGION, LambdaContext, context_for
from intentbid_local.lambda_events import sqs_event, stream_event
from intentbid_local.proxy_events import HttpRequest, authorizer_context, authorizer_event, proxy_event


def cold_process_env(shared_package: str, **extra: str) -> dict[str, str]:
    """The environment of a fresh Python process that loads handlers as Lambda does: only the layer and the
    installed packages on the path, Lambda's region and service variables, the tests' table prefix."""
    import sysconfig

    return {
        "PYTHONPATH": f"{shared_package}:{sysconfig.get_paths()['purelib']}",
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "TZ": "UTC",
        "POWERTOOLS_SERVICE_NAME": "intentbid",
        "TABLE_PREFIX": "intentbid-test-",
        **extra,
    }


SOURCE_IP = "203.0.113.7"  # TEST-NET-3: the caller's address unless a test names one
_loader = FunctionLoader()


def handler(function: str) -> Handler:
    """The handler of ``functions/<function>/app.py``, loaded once."""
    found = _loader.get(function)
    if found is None:
        raise LookupError(f"no such function: functions/{function}/app.py")
    return found


def context(function: str = "local") -> LambdaContext:
    """A fresh Lambda context for one invocation."""
    return context_for(function)


def principal_context(principal: dict[str, Any]) -> dict[str, Any]:
    """``requestContext.authorizer`` for a principal, as the authorizer's context reaches the function."""
    ctx = {
        "principal_kind": principal["kind"],
        "principal_id": principal["id"],
        "key_id": principal.get("key_id", "key_x"),
        "scopes": " ".join(principal["scopes"]),
        "environment": principal.get("environment", "live"),
        "auth_error": principal.get("auth_error"),
    }
    return authorizer_context({"principalId": principal["id"], "context": ctx}, latency_ms=0)


def api_request(
    method: str,
    path: str,
    *,
    query: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    source_ip: str = SOURCE_IP,
) -> HttpRequest:
    """An HTTP request as the gateway receives it (a JSON ``Content-Type`` unless ``headers`` say otherwise)."""
    pairs = {"Content-Type": "application/json", **(headers or {})}
    return HttpRequest(method, path, urlencode(query or {}), list(pairs.items()), body, peer_ip=source_ip)


def api_event(
    function: str,
    *,
    body: Any = None,
    path: dict[str, str] | None = None,
    query: dict[str, Any] | None = None,
    principal: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    raw_body: str | None = None,
    source_ip: str = SOURCE_IP,
) -> dict[str, Any]:
    """The REST-API proxy event of the route ``function`` (``body`` JSON-encoded, or ``raw_body`` as is)."""
    route = BY_FUNCTION[function]
    raw_params = {k: quote(str(v), safe="") for k, v in (path or {}).items()}  # the event carries them decoded
    concrete = route.path
    for k, v in raw_params.items():
        concrete = concrete.replace("{" + k + "}", v)
    text = raw_body if raw_body is not None else (json.dumps(body) if body is not None else "")
    req = api_request(
        route.method,
        concrete,
        query=query,
        headers=headers,
        body=text.encode("utf-8", "surrogatepass"),
        source_ip=source_ip,
    )
    authorizer = principal_context(principal) if principal is not None else None
    return proxy_event(req, route.path, raw_params, authorizer)


def authorizer_request(
    api_key: str | None, method: str = "GET", path: str = "/v1/me", *, source_ip: str = SOURCE_IP, **kw: Any
) -> dict[str, Any]:
    """The REQUEST authorizer's event for a request bearing ``api_key`` (none: no Authorization header)."""
    headers = {**({"Authorization": f"Bearer {api_key}"} if api_key is not None else {}), **kw.pop("headers", {})}
    return authorizer_event(api_request(method, path, headers=headers, source_ip=source_ip, **kw), path, {})


def call(function: str, event: dict[str, Any]) -> Any:
    """The raw result of ``function``'s handler on ``event``."""
    return handler(function)(event, context(function))


def invoke(function: str, **kwargs: Any) -> tuple[int, dict[str, str], Any]:
    """(status, headers, body) of the route ``function`` on :func:`api_event`; a JSON body is parsed."""
    result = call(function, api_event(function, **kwargs))
    body = result["body"]
    ctype = result["headers"].get("Content-Type", "")
    return result["statusCode"], result["headers"], json.loads(body) if body and "json" in ctype else body


def queue_arn(name: str, prefix: str = "intentbid-test-") -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{prefix}{name}"


def sqs_messages(*bodies: dict[str, Any], queue: str = queue_arn("rfo-expiry")) -> dict[str, Any]:
    """An SQS event of one message per body (``messageId`` ``m0``, ``m1``, ...), received once."""
    messages = [
        {
            "MessageId": f"m{i}",
            "ReceiptHandle": f"r{i}",
            "Body": json.dumps(b),
            "Attributes": {
                "ApproximateReceiveCount": "1",
                "SentTimestamp": "0",
                "SenderId": "test",
                "ApproximateFirstReceiveTimestamp": "0",
            },
        }
        for i, b in enumerate(bodies)
    ]
    return sqs_event(messages, queue)


def stream_inserts(*images: dict[str, Any], first_sequence: int = 100, table_arn: str = "") -> dict[str, Any]:
    """A DynamoDB-stream event of one INSERT per new image (DynamoDB JSON, keyed by ``id``); a record's
    ``SequenceNumber`` (its batch item identifier) counts up from ``first_sequence``."""
    arn = table_arn or f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/intentbid-test-outbox/stream/local"
    records = [
        {
            "eventID": str(n),
            "eventName": "INSERT",
            "dynamodb": {
                "Keys": {"id": image["id"]},
                "NewImage": image,
                "SequenceNumber": str(first_sequence + n),
                "SizeBytes": 1,
                "StreamViewType": "NEW_IMAGE",
            },
        }
        for n, image in enumerate(images)
    ]
    return stream_event(records, arn)
