"""The OpenAPI 3.1 document, generated from the route table and the pydantic models (never hand-written).

Served at ``GET /v1/openapi.json`` and rendered at ``GET /docs``; the contract tests (schemathesis) run the
live API against it.
"""

from __future__ import annotations

import html
import importlib
import json
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from intentbid import __version__
from intentbid.routes import ROUTES, Route

REF = "#/components/schemas/{model}"

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail", "instance", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "code": {"type": "string", "description": "Stable machine-readable error code"},
        "retryable": {"type": "boolean"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "code", "message"],
                "properties": {"field": {"type": "string"}, "code": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

STATUS_TEXT = {
    400: "Invalid request",
    401: "Missing, unknown, revoked or expired key",
    402: "Plan limit",
    403: "Not allowed for this key",
    404: "Not found (or not yours)",
    405: "Method not allowed",
    409: "State conflict",
    413: "Body too large",
    415: "Unsupported media type",
    422: "Idempotency key reused",
    429: "Rate limited",
    500: "Internal error",
    503: "Unavailable",
}


# Headers a route names in ``Route.headers`` / ``Route.response_headers``.
HEADERS: dict[str, dict[str, Any]] = {
    "If-Match": {
        "description": "The offer's ETag (from GET /v1/offers/{offer_id}) the buyer decided on: 409 "
        "`offer_changed` if the offer was revised since. Same effect as `offer_revision` in the body. "
        "Without either the current revision is awarded: clients should pin.",
        "schema": {"type": "string", "maxLength": 1024},
    },
    "ETag": {
        "description": "Strong entity tag of the offer's current revision (offer id + revision); send it as "
        "`If-Match` when awarding",
        "schema": {"type": "string"},
    },
}


def resolve(ref: str) -> type[BaseModel]:
    module, _, name = ref.partition(":")
    cls = getattr(importlib.import_module(f"intentbid.schemas.{module}"), name)
    assert isinstance(cls, type) and issubclass(cls, BaseModel)
    return cls


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "maxLength": 64}}


def _query_params(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    out = []
    for name, raw in schema.get("properties", {}).items():
        prop = dict(raw)
        prop.pop("title", None)
        if "anyOf" in prop:  # Optional[...] -> the non-null branch; an absent parameter is the None default
            branches = [b for b in prop.pop("anyOf") if b.get("type") != "null"]
            prop.update(branches[0] if branches else {})
        if prop.get("default", 0) is None:
            prop.pop("default")
        out.append(
            {
                "name": name,
                "in": "query",
                "required": name in schema.get("required", []),
                "schema": prop,
                "description": prop.get("description", ""),
            }
        )
    return out


def _success(route: Route) -> dict[str, Any]:
    if route.response:
        content: dict[str, Any] = {
            "application/json": {"schema": {"$ref": REF.format(model=resolve(route.response).__name__)}}
        }
    elif route.content_type == "text/html":
        content = {"text/html": {"schema": {"type": "string"}}}
    else:
        content = {"application/json": {"schema": {"type": "object"}}}
    ok: dict[str, Any] = {"description": "OK", "headers": {"X-Request-Id": {"schema": {"type": "string"}}}}
    ok["headers"].update({name: HEADERS[name] for name in route.response_headers})
    if route.status != 204:
        ok["content"] = content
    return ok


def _responses(route: Route) -> dict[str, Any]:
    responses: dict[str, Any] = {str(route.status): _success(route)}
    errors = set(route.errors) | {500}
    if route.request or route.idempotent:  # a malformed Idempotency-Key is a 400 too
        errors |= {400, 413}
    if not route.public:
        errors |= {401, 403}
    for status in sorted(errors):
        responses[str(status)] = {
            "description": STATUS_TEXT.get(status, "Error"),
            "content": {"application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}},
        }
    return responses


def _operation(route: Route) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": route.function, "summary": route.summary, "tags": [route.tag]}
    params = [_path_param(p) for p in route.path_params]
    if route.query:
        params += _query_params(resolve(route.query))
    if route.idempotent:
        params.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 255},
            }
        )
    params += [{"name": name, "in": "header", "required": False, **HEADERS[name]} for name in route.headers]
    if params:
        op["parameters"] = params
    if route.request:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": REF.format(model=resolve(route.request).__name__)}}},
        }
    op["responses"] = _responses(route)
    if route.public:
        op["security"] = []
    else:
        scopes = list(route.scopes)
        op["description"] = f"Principals: {', '.join(route.kinds)}. Scopes: {', '.join(scopes) or 'none'}" + (
            " (admins hold `admin`)." if "admin" in route.kinds else "."
        )
        op["security"] = [{"apiKey": scopes}]
    return op


@cache
def build() -> dict[str, Any]:
    models: set[type[BaseModel]] = set()
    for r in ROUTES:
        for ref in (r.request, r.response):
            if ref:
                models.add(resolve(ref))
    ordered = sorted(models, key=lambda m: m.__name__)
    inputs = [
        (m, "validation")
        for m in ordered
        if m.model_config.get("extra") == "forbid" and any(r.request and resolve(r.request) is m for r in ROUTES)
    ]
    outputs = [(m, "serialization") for m in ordered if (m, "validation") not in inputs]
    _, defs = models_json_schema(inputs + outputs, ref_template=REF)  # type: ignore[arg-type]
    components = dict(defs.get("$defs", {}))
    components["Problem"] = PROBLEM_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for r in ROUTES:
        paths.setdefault(r.path, {})[r.method.lower()] = _operation(r)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "IntentBid API",
            "version": __version__,
            "description": "The intent marketplace API. Errors are RFC 9457 problem+json with a stable "
            "`code`. Money is integer minor units; timestamps RFC 3339 UTC.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer", "bearerFormat": "ib_live_…"}},
        },
    }


@cache
def build_json() -> str:
    return json.dumps(build(), ensure_ascii=False, sort_keys=False)


@cache
def docs_html() -> str:
    """A self-contained page (no CDN: works offline) listing every operation from the same document."""
    doc = build()
    rows = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            auth = "public" if op.get("security") == [] else html.escape(op.get("description", ""))
            codes = ", ".join(op["responses"].keys())
            rows.append(
                f"<tr><td><code>{method.upper()}</code></td><td><code>{html.escape(path)}</code></td>"
                f"<td>{html.escape(op.get('summary', ''))}</td><td>{auth}</td><td>{codes}</td></tr>"
            )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>IntentBid API docs</title>"
        "<style>body{font:14px system-ui;margin:2rem}td,th{padding:4px 8px;border-bottom:1px solid #ddd;"
        "text-align:left;vertical-align:top}</style></head><body><h1>IntentBid API</h1>"
        "<p>Machine-readable: <a href='/v1/openapi.json'>/v1/openapi.json</a>. Auth: "
        "<code>Authorization: Bearer ib_live_…</code>. Errors: RFC 9457 problem+json with a stable "
        "<code>code</code>.</p><table><thead><tr><th>Method</th><th>Path</th><th>What</th><th>Who</th>"
        "<th>Statuses</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></body></html>"
    )
