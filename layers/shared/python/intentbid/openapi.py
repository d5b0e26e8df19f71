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
from intentbid.http import catalog
from intentbid.http.idempotency import KEY_PATTERN
from intentbid.routes import ROUTES, Route
from intentbid.schemas.examples import EXAMPLES

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
                "properties": {
                    "field": {"type": "string", "description": "The request field, e.g. `eta_days`, `weights.price`"},
                    "code": {"type": "string", "description": "Stable field error code (see the error catalog)"},
                    "message": {"type": "string", "description": "What is wrong and what is allowed, in words"},
                    "params": {
                        "type": "object",
                        "description": "Present when the rule has bounds or allowed values: the same figures as "
                        'the message, e.g. `{"maximum": 100}` or `{"need_by": ..., "max_eta_days": 9}`',
                    },
                },
            },
        },
        # Extension members (RFC 9457 §3.2) some codes carry; a client must ignore members it does not know.
        "rfo_status": {"type": "string", "description": "The RFO's status (invalid_transition, rfo_not_open, ...)"},
        "allowed_actions": {
            "type": "array",
            "items": {"type": "string"},
            "description": "invalid_transition: what the buyer may do now",
        },
        "offer_id": {"type": "string", "description": "offer_changed: the offer"},
        "current_revision": {"type": "integer", "description": "offer_changed: the offer's revision now"},
        "current_etag": {"type": "string", "description": "offer_changed: the offer's ETag now"},
        "successor_key_id": {"type": "string", "description": "key_already_rotated: the key that replaced it"},
        "limit": {"type": "integer", "description": "key_limit_reached and the 429 limits: the limit reached"},
        "cooldown_until": {"type": "string", "format": "date-time", "description": "vendor_cooldown: until when"},
        "checks": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "service_unavailable (ready): each check's state",
        },
    },
    "additionalProperties": True,
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
        "Without either the current revision is awarded: clients should pin. Any value is accepted: one that "
        "names neither the current ETag nor `*` is that 409 (an empty one is no precondition).",
        "schema": {"type": "string"},  # no maxLength: the server enforces none (a longer tag is simply a 409)
    },
    "ETag": {
        "description": "Strong entity tag of the offer's current revision (offer id + revision); send it as "
        "`If-Match` when awarding",
        "schema": {"type": "string"},
    },
}

# Cursors are base64url text: ``intentbid.store.paging.CURSOR_PATTERN`` (refused otherwise; not imported from
# there, which loads PynamoDB - tests/unit/test_openapi_enforced.py holds the two equal). One that is well formed
# but names no position of this listing is 400 ``invalid_cursor``: only a ``next_cursor`` is meaningful.
CURSOR_PATTERN = r"^[A-Za-z0-9_-]*={0,2}$"
TIMESTAMP_WINDOW = "Timestamps are accepted between 1970-01-01 and 2100-01-01 (UTC); outside: 400 `out_of_range`."
# pydantic writes a constraint it cannot attach to the type itself (an ``Integer`` with a before-validator) under
# its own name: the JSON Schema keyword for each.
_PYDANTIC_KEYWORDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


def _real_keywords(schema: Any) -> Any:
    """Normalise pydantic's JSON Schema for client generators and fuzzers: ``ge``/``le``/... become
    ``minimum``/``maximum``/..., and an optional field's ``anyOf: [{type: T, bounds...}, {type: null}]`` becomes
    ``{type: [T, null], bounds...}`` (the bounds as keywords of the property itself, which apply to non-null
    values only, as before)."""
    if isinstance(schema, list):
        return [_real_keywords(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out = {_PYDANTIC_KEYWORDS.get(k, k): _real_keywords(v) for k, v in schema.items()}
    branches = out.get("anyOf")
    if isinstance(branches, list) and len(branches) == 2 and {"type": "null"} in branches:
        (other,) = [b for b in branches if b != {"type": "null"}]
        if isinstance(other.get("type"), str) and "$ref" not in other:  # the property's own annotations win
            out.pop("anyOf")
            merged = {**other, **out, "type": [other["type"], "null"]}
            if "enum" in merged:
                merged["enum"] = [*merged["enum"], None]
            out = merged
    return out


def resolve(ref: str) -> type[BaseModel]:
    module, _, name = ref.partition(":")
    cls = getattr(importlib.import_module(f"intentbid.schemas.{module}"), name)
    assert isinstance(cls, type) and issubclass(cls, BaseModel)
    return cls


def _path_param(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "maxLength": 64}
    if name == "code":  # GET /errors/{code}: the catalog's codes (any other is 404)
        schema = {"type": "string", "enum": [entry.code for entry in catalog.ENTRIES]}
    return {"name": name, "in": "path", "required": True, "schema": schema}


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
        prop = _real_keywords(prop)
        if name == "cursor":
            prop["pattern"] = CURSOR_PATTERN
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
    examples = EXAMPLES.get(route.function)
    if examples is not None and examples.success is not None:
        (media,) = content.values()
        media["examples"] = {"ok": {"summary": route.summary, "value": examples.success}}
    ok: dict[str, Any] = {"description": "OK", "headers": {"X-Request-Id": {"schema": {"type": "string"}}}}
    ok["headers"].update({name: HEADERS[name] for name in route.response_headers})
    if route.status != 204:
        ok["content"] = content
    return ok


def _error_examples(route: Route) -> dict[int, dict[str, Any]]:
    """status -> named problem examples (``schemas.examples``), each named by its code."""
    out: dict[int, dict[str, Any]] = {}
    examples = EXAMPLES.get(route.function)
    for body in examples.errors if examples is not None else ():
        named = out.setdefault(body["status"], {})
        named[body["code"]] = {"summary": body["detail"], "value": body}
    return out


# What a success answer supplies to later calls (OpenAPI links: schemathesis' stateful phase follows them, and
# client generators can too): operation -> path parameter -> runtime expression.
LINK_SOURCES: dict[str, dict[str, str]] = {
    "rfo_create": {"rfo_id": "$response.body#/id"},
    "offer_submit": {"offer_id": "$response.body#/id", "rfo_id": "$request.path.rfo_id"},
    "vendor_register": {"vendor_id": "$response.body#/vendor/id"},
    "buyer_register": {"buyer_id": "$response.body#/buyer/id"},
    "vendor_key_create": {"vendor_id": "$request.path.vendor_id", "key_id": "$response.body#/key/key_id"},
    "buyer_key_create": {"buyer_id": "$request.path.buyer_id", "key_id": "$response.body#/key/key_id"},
    "public_token_create": {"rfo_id": "$request.path.rfo_id", "token": "$response.body#/token"},
}


def _links(route: Route) -> dict[str, Any]:
    """Links from this operation's success: to every operation whose path parameters it supplies (at least one of
    them new), and from a listing to its own next page (``next_cursor``)."""
    links: dict[str, Any] = {}
    supplies = LINK_SOURCES.get(route.function, {})
    new = {name for name, expr in supplies.items() if expr.startswith("$response.")}
    for target in ROUTES:
        params = set(target.path_params)
        if params and params <= set(supplies) and params & new:
            links[target.function] = {
                "operationId": target.function,
                "parameters": {name: supplies[name] for name in target.path_params},
            }
    if route.query and "cursor" in resolve(route.query).model_fields:
        links["next_page"] = {
            "operationId": route.function,
            "parameters": {
                **{name: f"$request.path.{name}" for name in route.path_params},
                "query.cursor": "$response.body#/next_cursor",
            },
            "description": "The next page (while next_cursor is not null)",
        }
    return links


def _responses(route: Route) -> dict[str, Any]:
    responses: dict[str, Any] = {str(route.status): _success(route)}
    links = _links(route)
    if links:
        responses[str(route.status)]["links"] = links
    examples = _error_examples(route)
    for status in sorted({*route.errors, 500}):  # derived from the route's fields (``Route.errors``)
        media: dict[str, Any] = {"schema": {"$ref": REF.format(model="Problem")}}
        if status in examples:
            media["examples"] = examples[status]
        responses[str(status)] = {
            "description": STATUS_TEXT.get(status, "Error"),
            "content": {"application/problem+json": media},
        }
    return responses


def _replay_note(route: Route) -> str:
    """What a replay answers where the first answer held a secret (secrets are never stored)."""
    if route.replay_reissues:
        return (
            " A replay re-issues the key: the first answer was lost and its secret is never stored, so the replay "
            "answers the same account with a fresh `api_key` and revokes the registration's first key (nobody can "
            "prove they hold it); each further replay re-issues again. Once the first key was used, rotated or "
            "revoked, a replay answers `api_key: null` (its holder has a working key)."
        )
    fields = resolve(route.response).model_fields if route.response else {}
    secret = next((f for f in ("api_key", "secret") if f in fields), None)
    if secret is None:
        return ""
    return (
        f" A replay answers `{secret}: null`: secrets are shown once and never stored, and the caller still holds "
        "a working key (rotate the new key, or the endpoint's secret, if its answer was lost)."
    )


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
                "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": KEY_PATTERN},
                "description": "Makes a retry safe: the same key and body within 24 h replay the first answer. "
                "1-255 printable ASCII characters, no space at either end." + _replay_note(route),
            }
        )
    params += [{"name": name, "in": "header", "required": False, **HEADERS[name]} for name in route.headers]
    if params:
        op["parameters"] = params
    if route.request:
        body: dict[str, Any] = {"schema": {"$ref": REF.format(model=resolve(route.request).__name__)}}
        examples = EXAMPLES.get(route.function)
        if examples is not None and examples.request is not None:
            body["examples"] = {"example": {"summary": examples.summary, "value": examples.request}}
        op["requestBody"] = {"required": True, "content": {"application/json": body}}
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


EVENT_ID_PATTERN = r"^evt_[0-9A-HJKMNP-TV-Z]{26}$"
_THIN_DATA: dict[str, Any] = {
    "type": "object",
    "description": "An object too large for a 20 KB body, sent thin: fetch it from `url` (or the API)",
    "required": ["object", "url"],
    "additionalProperties": False,
    "properties": {
        "object": {
            "type": "object",
            "required": ["id", "object"],
            "additionalProperties": False,
            "properties": {"id": {"type": ["string", "null"]}, "object": {"type": ["string", "null"]}},
        },
        "url": {"type": ["string", "null"]},
    },
}
_DELIVERY_HEADERS = {
    "webhook-id": "The event id (`evt_...`), the same on every retry: deduplicate on it",
    "webhook-timestamp": "Unix seconds of this attempt; refuse one more than 5 minutes off",
    "webhook-signature": "`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, space-separated (two during a rotation)",
    "x-correlation-id": "The correlation id of the request that caused the event",
}


def event_schema(event_type: str) -> dict[str, Any]:
    """The JSON Schema of one event type's envelope (a delivery's body, an entry of ``GET /v1/events``):
    ``data.object`` is the object the API returns for that type (``schemas.events.OBJECT_SCHEMAS``)."""
    from intentbid.schemas.events import OBJECT_SCHEMAS

    ref = OBJECT_SCHEMAS[event_type]
    obj: dict[str, Any] = (
        {"$ref": REF.format(model=resolve(ref).__name__)}
        if ref
        else {"type": "object", "description": "The event's data (no response model of the API names it yet)"}
    )
    return {
        "type": "object",
        "required": ["id", "type", "created_at", "livemode", "data"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": EVENT_ID_PATTERN},
            "type": {"type": "string", "const": event_type},
            "created_at": {"type": "string", "format": "date-time"},
            "livemode": {"type": "boolean", "description": "false: a sandbox (ib_test_) event"},
            "data": {
                "anyOf": [
                    {
                        "type": "object",
                        "required": ["object"],
                        "additionalProperties": False,
                        "properties": {"object": obj},
                    },
                    _THIN_DATA,
                ]
            },
        },
    }


def _webhooks() -> dict[str, Any]:
    """OpenAPI 3.1 ``webhooks``: one operation per type of the event catalog, the POST its receivers get."""
    from intentbid.domain.events import CATALOG

    out: dict[str, Any] = {}
    for event_type, kinds in CATALOG.items():
        to = "ops only: never sent to a vendor or buyer endpoint" if kinds == ("admin",) else ", ".join(kinds)
        out[event_type] = {
            "post": {
                "operationId": "event_" + event_type.replace(".", "_"),
                "summary": f"The {event_type} event",
                "description": f"Sent to: {to}. Signed per Standard Webhooks; the same envelope is listed by "
                "`GET /v1/events`. Any 2xx within 15 s acknowledges it; anything else is retried on the schedule.",
                "tags": ["webhooks"],
                "security": [],
                "parameters": [
                    {
                        "name": name,
                        "in": "header",
                        "required": name != "x-correlation-id",
                        "description": text,
                        "schema": {"type": "string"},
                    }
                    for name, text in _DELIVERY_HEADERS.items()
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": event_schema(event_type)}},
                },
                "responses": {
                    "200": {"description": "Received (any 2xx)"},
                    "410": {"description": "Gone: the endpoint is disabled at once"},
                },
            }
        }
    return out


def _event_object_models() -> set[type[BaseModel]]:
    from intentbid.schemas.events import OBJECT_SCHEMAS

    return {resolve(ref) for ref in OBJECT_SCHEMAS.values() if ref}


@cache
def build() -> dict[str, Any]:
    models: set[type[BaseModel]] = _event_object_models()
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
    components = _real_keywords(dict(defs.get("$defs", {})))
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
            "`code`. Money is integer minor units; timestamps RFC 3339 UTC. " + TIMESTAMP_WINDOW,
        },
        "servers": [
            {"url": "/", "description": "This origin"},
            {"url": "http://127.0.0.1:8080", "description": "`make dev` (the local runtime)"},
            {
                "url": "https://{api_id}.execute-api.{region}.amazonaws.com/{stage}",
                "description": "A deployed stage",
                "variables": {
                    "api_id": {"default": "api-id"},
                    "region": {"default": "eu-west-1"},
                    "stage": {"default": "dev"},
                },
            },
        ],
        "paths": paths,
        "webhooks": _webhooks(),
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
        "<code>code</code>, each explained in the <a href='/errors'>error catalog</a>.</p>"
        "<table><thead><tr><th>Method</th><th>Path</th><th>What</th><th>Who</th>"
        "<th>Statuses</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table></body></html>"
    )
