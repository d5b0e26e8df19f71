"""API Gateway REST API (v1) events built from HTTP requests, as API Gateway builds them.

- ``headers`` keeps the last value of each header, ``multiValueHeaders`` all of them (client casing kept).
- Query and path parameters are URL-decoded; each is ``null`` when there are none.
- ``requestContext.identity.sourceIp`` is the TCP peer; ``X-Forwarded-For`` is only appended to, as API Gateway
  does, never trusted.
- A body that is not UTF-8 arrives base64-encoded with ``isBase64Encoded: true``.
"""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from intentbid_local.lambda_context import ACCOUNT_ID, REGION

API_ID = "local"
STAGE = "local"
# The request fields a REQUEST authorizer's event shares with the proxy event (events.py checks samples by them).
REQUEST_FIELDS = (
    "resource",
    "path",
    "httpMethod",
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
    "requestContext",
)


@dataclass
class HttpRequest:
    method: str
    path: str  # raw path, without the query string
    query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    peer_ip: str = "127.0.0.1"
    peer_port: int = 0
    protocol: str = "HTTP/1.1"
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    received_epoch_ms: int = field(default_factory=lambda: int(time.time() * 1000))

    def header(self, name: str) -> str | None:
        """The last value of header ``name`` (case-insensitive)."""
        found = None
        for k, v in self.headers:
            if k.lower() == name.lower():
                found = v
        return found


def method_arn(method: str, path: str) -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{STAGE}/{method}{path}"


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Group values by name; names compare case-insensitively, the first spelling wins."""
    out: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    for k, v in pairs:
        key = spelling.setdefault(k.lower(), k)
        out.setdefault(key, []).append(v)
    return out


def _gateway_headers(req: HttpRequest) -> list[tuple[str, str]]:
    """The client's headers plus what API Gateway adds (X-Forwarded-*)."""
    pairs = [
        (k, v) for k, v in req.headers if k.lower() not in ("x-forwarded-for", "x-forwarded-proto", "x-forwarded-port")
    ]
    forwarded = [v for k, v in req.headers if k.lower() == "x-forwarded-for"]
    chain = ", ".join([*forwarded, req.peer_ip])
    pairs += [("X-Forwarded-For", chain), ("X-Forwarded-Proto", "http"), ("X-Forwarded-Port", str(req.peer_port or 80))]
    return pairs


def _query(req: HttpRequest) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    pairs = parse_qsl(req.query, keep_blank_values=True)
    if not pairs:
        return None, None
    multi: dict[str, list[str]] = {}
    for k, v in pairs:
        multi.setdefault(k, []).append(v)
    return {k: v[-1] for k, v in multi.items()}, multi


def _body(raw: bytes) -> tuple[str | None, bool]:
    if not raw:
        return None, False
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii"), True


def _request_context(req: HttpRequest, resource: str) -> dict[str, Any]:
    received = datetime.fromtimestamp(req.received_epoch_ms / 1000, UTC)
    return {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": req.header("host") or "127.0.0.1",
        "domainPrefix": (req.header("host") or "127").split(".")[0],
        "extendedRequestId": req.request_id.replace("-", "")[:16],
        "httpMethod": req.method,
        "identity": {
            "accessKey": None,
            "accountId": None,
            "caller": None,
            "cognitoAuthenticationProvider": None,
            "cognitoAuthenticationType": None,
            "cognitoIdentityId": None,
            "cognitoIdentityPoolId": None,
            "principalOrgId": None,
            "sourceIp": req.peer_ip,
            "user": None,
            "userAgent": req.header("user-agent"),
            "userArn": None,
            "clientCert": None,
        },
        "path": f"/{STAGE}{req.path}",
        "protocol": req.protocol,
        "requestId": req.request_id,
        "requestTime": received.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "requestTimeEpoch": req.received_epoch_ms,
        "resourceId": "local",
        "resourcePath": resource,
        "stage": STAGE,
    }


def decode_path_params(raw: dict[str, str]) -> dict[str, str] | None:
    return {k: unquote(v) for k, v in raw.items()} or None


def proxy_event(
    req: HttpRequest, resource: str, path_params: dict[str, str], authorizer: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The Lambda proxy integration event for ``req`` matched to ``resource`` (the route's path template)."""
    headers = _multi(_gateway_headers(req))
    query, multi_query = _query(req)
    body, is_b64 = _body(req.body)
    context = _request_context(req, resource)
    if authorizer is not None:
        context["authorizer"] = authorizer
    return {
        "resource": resource,
        "path": req.path,
        "httpMethod": req.method,
        "headers": {k: v[-1] for k, v in headers.items()},
        "multiValueHeaders": headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": decode_path_params(path_params),
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": is_b64,
    }


def authorizer_event(req: HttpRequest, resource: str, path_params: dict[str, str]) -> dict[str, Any]:
    """The REQUEST authorizer's event: the proxy event's request fields plus ``type`` and ``methodArn``."""
    proxy = proxy_event(req, resource, path_params)
    return {
        "type": "REQUEST",
        "methodArn": method_arn(req.method, req.path),
        **{k: proxy[k] for k in REQUEST_FIELDS},
    }


def authorizer_context(result: dict[str, Any], latency_ms: int) -> dict[str, Any]:
    """``requestContext.authorizer`` from an authorizer result: context values become strings (API Gateway
    passes only string, number and boolean values, stringified); a nested value is a configuration error."""
    out: dict[str, Any] = {}
    for k, v in (result.get("context") or {}).items():
        if isinstance(v, bool):
            out[k] = "true" if v else "false"
        elif isinstance(v, (str, int, float)):
            out[k] = str(v)
        elif v is None:
            continue
        else:
            raise ValueError(f"authorizer context value {k!r} is not a string, number or boolean")
    out["principalId"] = str(result.get("principalId", ""))
    out["integrationLatency"] = latency_ms
    return out
