"""Lambda harness for tests: load a function as Lambda would and invoke it with API Gateway events."""

from __future__ import annotations

import importlib.util
import json
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

from intentbid.routes import BY_FUNCTION

ROOT = Path(__file__).resolve().parents[2]
_modules: dict[str, ModuleType] = {}


def load_function(name: str) -> ModuleType:
    """Load functions/<name>/app.py as Lambda would (handler ``app.handler``)."""
    if name not in _modules:
        spec = importlib.util.spec_from_file_location(f"fn_{name}", ROOT / "functions" / name / "app.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _modules[name] = module
    return _modules[name]


class Context:
    function_name = "local"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:local"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def api_event(
    function: str,
    *,
    body: Any = None,
    path: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    principal: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    raw_body: str | None = None,
    source_ip: str = "203.0.113.7",
) -> dict[str, Any]:
    """A REST-API proxy event for the route ``function``, as API Gateway builds it."""
    route = BY_FUNCTION[function]
    concrete = route.path
    for k, v in (path or {}).items():
        concrete = concrete.replace("{" + k + "}", v)
    authorizer = None
    if principal is not None:
        authorizer = {
            "principalId": principal["id"],
            "principal_kind": principal["kind"],
            "principal_id": principal["id"],
            "key_id": principal.get("key_id", "key_x"),
            "scopes": " ".join(principal["scopes"]),
            "environment": principal.get("environment", "live"),
        }
        if principal.get("auth_error"):
            authorizer["auth_error"] = principal["auth_error"]
    event = {
        "resource": route.path,
        "path": concrete,
        "httpMethod": route.method,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "queryStringParameters": query or None,
        "pathParameters": path or None,
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "resourcePath": route.path,
            "httpMethod": route.method,
            "stage": "test",
            "identity": {"sourceIp": source_ip},
            "authorizer": authorizer,
        },
        "body": raw_body if raw_body is not None else (json.dumps(body) if body is not None else None),
        "isBase64Encoded": False,
    }
    return event


def invoke(function: str, **kwargs: Any) -> tuple[int, dict[str, str], Any]:
    result = load_function(function).handler(api_event(function, **kwargs), Context())
    body = result["body"]
    ctype = result["headers"].get("Content-Type", "")
    return result["statusCode"], result["headers"], json.loads(body) if body and "json" in ctype else body
