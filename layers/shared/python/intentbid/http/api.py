"""The API adapter every endpoint handler uses: the shared middleware of the request path.

``@api_handler("rfo_create")`` turns ``fn(request) -> model`` into a Lambda handler for API Gateway's REST
proxy events. In order: request and correlation ids -> log context -> principal from the authorizer context
(401 for revoked/expired keys, 403 kind/scope re-check) -> body limits and JSON -> the endpoint -> response
with ``X-Request-Id``/``X-Correlation-Id``; any :class:`DomainError` goes through the one error map; a transient
AWS failure (throttling, a transaction conflict: :mod:`intentbid.store.transient`) is 503 ``service_unavailable``
with ``Retry-After``; anything else is logged and becomes a 500 problem without details.
"""

from __future__ import annotations

import base64
import importlib
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from intentbid import config
from intentbid import observability as obs
from intentbid.domain import errors as e
from intentbid.domain.principal import Principal
from intentbid.http import correlation, idempotency, problem, throttle, validation
from intentbid.routes import BY_FUNCTION, Route

MAX_BODY_BYTES = 256 * 1024
# On every API response. TLS terminates at API Gateway (HTTPS only), so HSTS applies to the API's host.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}

M = TypeVar("M", bound=BaseModel)
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass(slots=True)
class Response:
    """An explicit response, for handlers that need a status or headers other than the route's."""

    body: Any = None
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


class Headers(dict[str, str]):
    """Case-insensitive view of the request headers (keys lower-cased)."""

    @classmethod
    def of(cls, raw: dict[str, Any] | None) -> Headers:
        return cls({str(k).lower(): str(v) for k, v in (raw or {}).items() if v is not None})


@dataclass(slots=True)
class Request:
    route: Route
    event: dict[str, Any]
    headers: Headers
    path_params: dict[str, str]
    query: dict[str, str]
    principal: Principal | None
    request_id: str
    correlation_id: str
    source_ip: str
    raw_body: str | None

    def require_principal(self) -> Principal:
        if self.principal is None:
            raise e.Unauthenticated("An API key is required: send 'Authorization: Bearer <key>'.")
        return self.principal

    def json_object(self) -> dict[str, Any]:
        """The body as a JSON object: 400 ``invalid_json`` when it is not one."""
        if self.raw_body is None or self.raw_body.strip() == "":
            raise e.InvalidJson("The request body is empty; a JSON object is required.")
        try:
            value = json.loads(self.raw_body)
        except (ValueError, RecursionError) as exc:
            raise e.InvalidJson("The request body is not valid JSON.") from exc
        if not isinstance(value, dict):
            raise e.InvalidJson("The request body must be a JSON object.")
        return value

    def body(self, model: type[M], rules: validation.Rules | None = None) -> M:
        """Validate the body against ``model`` (strict JSON types, unknown fields refused). ``rules`` are the
        checks that come after the schema (e.g. the offer rules): when the schema refuses the body, they still run
        over the fields that validated, so the 400 lists every field error of the request at once."""
        obj = self.json_object()
        try:
            return model.model_validate_json(self.raw_body or "")
        except ValidationError as exc:
            raise validation.failed(exc, model, obj, rules) from None

    def body_or_empty(self, model: type[M]) -> M:
        """Like :meth:`body`, but an absent or empty body means ``{}`` (actions whose fields are optional)."""
        if self.raw_body is None or self.raw_body.strip() == "":
            return model.model_validate({})
        return self.body(model)

    def query_as(self, model: type[M]) -> M:
        try:
            return model.model_validate(self.query)
        except ValidationError as exc:
            raise validation.failed(exc, model, query=True) from None


def query_parameters(route: Route) -> tuple[str, ...]:
    """The query parameters ``route`` accepts: the fields of its query model (by alias), none without one."""
    return _model_fields(route.query) if route.query else ()


def schema_model(ref: str) -> type[BaseModel]:
    """``"rfos:Rfo"`` -> :class:`intentbid.schemas.rfos.Rfo`."""
    module, _, name = ref.partition(":")
    model: type[BaseModel] = getattr(importlib.import_module(f"intentbid.schemas.{module}"), name)
    return model


def build_route_models(route: Route) -> None:
    """Build the validators and serializers of the route's own request, query and response models, at cold start.
    Schema models are ``defer_build`` (:mod:`intentbid.schemas.common`): the models of a schema module this
    function never uses are never built."""
    for ref in (route.request, route.query, route.response):
        if ref:
            schema_model(ref).model_rebuild()


@cache
def _model_fields(ref: str) -> tuple[str, ...]:
    return tuple(f.alias or n for n, f in schema_model(ref).model_fields.items())


_MAX_NAMED = 20  # unknown parameters named in one answer (each in ``errors[]``), and a long name is cut
_NAME_CHARS = 100


def check_query(route: Route, query: dict[str, str]) -> None:
    """400 ``unknown_parameter`` naming every query parameter the operation does not declare: a typo'd filter
    must not silently list everything. The accepted ones are listed, so the message says how to fix it."""
    accepted = query_parameters(route)
    unknown = sorted(k for k in query if k not in accepted)
    if not unknown:
        return
    hint = (
        f"This operation accepts: {', '.join(accepted)}." if accepted else "This operation takes no query parameters."
    )
    names = [n if len(n) <= _NAME_CHARS else n[:_NAME_CHARS] + "…" for n in unknown[:_MAX_NAMED]]
    raise e.ValidationFailed(
        f"Unknown query parameter(s): {', '.join(names)}. {hint}",
        code="unknown_parameter",
        errors=[e.FieldError(n, "unknown_parameter", f"'{n}' is not a query parameter here. {hint}") for n in names],
    )


_STAGE_RE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def base_path(event: dict[str, Any]) -> str:
    """The path the API is mounted at, as the client sees it: ``/<stage>`` on API Gateway's own
    ``*.execute-api.*.amazonaws.com`` URL (whose paths carry the stage), else "" (the local runtime, a custom
    domain mapped at its root). Read from the request context API Gateway writes, never from a client header."""
    rc = event.get("requestContext") or {}
    stage, domain = str(rc.get("stage") or ""), str(rc.get("domainName") or "").lower()
    if _STAGE_RE.match(stage) and ".execute-api." in domain and domain.endswith(".amazonaws.com"):
        return "/" + stage
    return ""


def _principal_from(event: dict[str, Any]) -> tuple[Principal | None, str | None]:
    rc = event.get("requestContext") or {}
    ctx = rc.get("authorizer") or {}
    kind, pid = ctx.get("principal_kind"), ctx.get("principal_id")
    if not kind or not pid:
        return None, ctx.get("auth_error")  # a shed request carries no principal
    p = Principal(
        kind=str(kind),
        id=str(pid),
        key_id=str(ctx.get("key_id", "")),
        scopes=frozenset(str(ctx.get("scopes", "")).split()),
        environment=str(ctx.get("environment", "live")),
        request_id=rc.get("requestId"),
        source_ip=(rc.get("identity") or {}).get("sourceIp"),
    )
    return p, ctx.get("auth_error")


def _shed_retry_after(event: dict[str, Any]) -> int | None:
    value = str(((event.get("requestContext") or {}).get("authorizer") or {}).get("retry_after") or "")
    return min(int(value), 60) if value.isdigit() else None


def _decode_body(event: dict[str, Any]) -> str | None:
    raw = event.get("body")
    if raw is None:
        return None
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(raw).decode("utf-8")
        except (ValueError, UnicodeDecodeError) as exc:
            raise e.InvalidJson("The request body is not valid UTF-8.") from exc
    if len(str(raw).encode("utf-8")) > MAX_BODY_BYTES:
        raise e.PayloadTooLarge(f"The body exceeds {MAX_BODY_BYTES // 1024} KB.")
    return str(raw)


def _check_access(
    route: Route, principal: Principal | None, auth_error: str | None, retry_after: int | None = None
) -> None:
    if route.public:
        return
    if auth_error == "too_many_failed_keys":  # the authorizer shed this source IP (key guessing)
        raise e.TooManyRequests(
            "Too many unknown API keys from this address; retry after the Retry-After delay.",
            code="too_many_failed_keys",
            retry_after=retry_after or 60,
        )
    if principal is None:
        raise e.Unauthenticated("An API key is required: send 'Authorization: Bearer <key>'.")
    if auth_error == "key_revoked":
        raise e.Unauthenticated("This API key has been revoked.", code="key_revoked")
    if auth_error == "key_expired":
        raise e.Unauthenticated("This API key has expired.", code="key_expired")
    if auth_error:
        raise e.Unauthenticated("This API key is not valid.")
    if principal.kind not in route.kinds:
        raise e.Forbidden(f"A {principal.kind} key cannot call this endpoint.")
    if not route.allows(principal.kind, principal.scopes):
        missing = [s for s in route.scopes if s not in principal.scopes]
        raise e.Forbidden(f"This key lacks the scope(s): {', '.join(missing)}.", code="insufficient_scope")


def build_request(route: Route, event: dict[str, Any]) -> Request:
    rc = event.get("requestContext") or {}
    request_id = str(rc.get("requestId") or uuid.uuid4())
    headers = Headers.of(event.get("headers"))
    corr = headers.get("x-correlation-id", "")
    correlation_id = corr if correlation.valid(corr) else request_id
    principal, _ = _principal_from(event)
    raw_body = event.get("body")
    return Request(
        route=route,
        event=event,
        headers=headers,
        path_params={k: str(v) for k, v in (event.get("pathParameters") or {}).items()},
        query={k: str(v) for k, v in (event.get("queryStringParameters") or {}).items()},
        principal=principal,
        request_id=request_id,
        correlation_id=correlation_id,
        source_ip=str((rc.get("identity") or {}).get("sourceIp") or ""),
        raw_body=raw_body if isinstance(raw_body, str) or raw_body is None else str(raw_body),
    )


def _serialize(route: Route, result: Any) -> tuple[int, dict[str, str], str]:
    resp = result if isinstance(result, Response) else Response(body=result)
    status = resp.status or route.status
    headers = {"Content-Type": resp.content_type, **resp.headers}
    if resp.body is None:
        return status, headers, ""
    if isinstance(resp.body, BaseModel):
        return status, headers, resp.body.model_dump_json()
    if isinstance(resp.body, str):
        return status, headers, resp.body
    return status, headers, json.dumps(resp.body, ensure_ascii=False, default=str)


def _unexpected(exc: Exception, request_id: str, base: str) -> tuple[int, dict[str, str], str]:
    """A transient AWS failure the SDK's retries did not absorb (throttled, conflicting: nothing was written) is
    503 with Retry-After; anything else a 500, logged."""
    from intentbid.store.transient import unavailable  # lazy: only a failure pays for it

    busy = unavailable(exc)
    if busy is None:
        obs.logger.exception("unhandled error")
        return problem.internal_error(request_id, base)
    obs.logger.warning("transient failure: %s", type(exc).__name__, exc_info=True)
    return problem.from_exception(busy, request_id, base)


ReplayHook = Callable[..., tuple[int, dict[str, str], str]]


def _run_once(
    route: Route,
    req: Request,
    event: dict[str, Any],
    context: Any,
    fn: Callable[[Request], Any],
    idem_key: str,
    on_replay: ReplayHook | None,
) -> tuple[int, dict[str, str], str]:
    """An idempotent request: run once per key, or replay (through ``on_replay`` when the route has one)."""
    (status, headers, body), replayed = idempotency.run_once(
        scope=idempotency.scope_of(req.principal, req.source_ip),
        route=route.function,
        key=idempotency.validate_key(idem_key),
        method=route.method,
        path=str(event.get("path") or route.path),
        body=req.raw_body,
        request_headers={h: req.headers[h.lower()] for h in route.headers if h.lower() in req.headers},
        context=context,
        produce=lambda: _serialize(route, fn(req)),
    )
    if replayed and on_replay is not None:
        status, headers, body = on_replay((status, headers, body), request_id=req.request_id, source_ip=req.source_ip)
    if replayed:
        headers = {**headers, "Idempotent-Replayed": "true"}
    return status, headers, body


def api_handler(
    function: str, on_replay: ReplayHook | None = None
) -> Callable[[Callable[[Request], Any]], LambdaHandler]:
    """Wrap an endpoint function as a Lambda handler for the route named ``function``. ``on_replay`` (only for a
    route declaring ``replay_reissues``) turns an idempotent replay's stored answer into the one to send: a
    replayed registration re-issues its key (``services.accounts.reissue_on_replay``)."""
    route = BY_FUNCTION[function]
    if (on_replay is not None) != route.replay_reissues:
        raise ValueError(f"{function}: on_replay is given exactly when the route declares replay_reissues")
    config.cold_start()  # load and validate the settings: a bad value fails the cold start, naming the variable
    build_route_models(route)

    def decorate(fn: Callable[[Request], Any]) -> LambdaHandler:
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            started = time.perf_counter()
            limit_headers: dict[str, str] = {}
            req = build_request(route, event)
            token = obs.reset_request_context(
                correlation_id=req.correlation_id,
                request_id=req.request_id,
                route=route.function,
                function_request_id=getattr(context, "aws_request_id", None),
            )
            try:
                if req.principal is not None:
                    obs.bind(
                        principal_kind=req.principal.kind, principal_id=req.principal.id, key_id=req.principal.key_id
                    )
                try:
                    _check_access(route, req.principal, _principal_from(event)[1], _shed_retry_after(event))
                    limit_headers = throttle.enforce(route, req.principal, req.source_ip)
                    check_query(route, req.query)
                    req.raw_body = _decode_body(event)
                    idem_key = req.headers.get(idempotency.HEADER) if route.idempotent else None
                    if idem_key is None:
                        status, headers, body = _serialize(route, fn(req))
                    else:
                        status, headers, body = _run_once(route, req, event, context, fn, idem_key, on_replay)
                except e.DomainError as exc:
                    status, headers, body = problem.from_exception(exc, req.request_id, base_path(event))
                    obs.logger.info("request rejected", extra={"status": status, "code": exc.code})
                except Exception as exc:
                    status, headers, body = _unexpected(exc, req.request_id, base_path(event))
                elapsed_ms = (time.perf_counter() - started) * 1000
                # The API's access-log line is the one line per request (method, route, status, latencies,
                # principal); this one repeats it, so at INFO only for a 4xx/5xx (README "Cost per million").
                (obs.logger.info if status >= 400 else obs.logger.debug)(
                    "request",
                    extra={
                        "method": route.method,
                        "path": route.path,
                        "status": status,
                        "latency_ms": round(elapsed_ms, 2),
                    },
                )
                obs.count("Requests")
                if status >= 500:
                    obs.count("Errors5xx")
                elif status >= 400:
                    obs.count("Errors4xx")
                obs.timing_ms("Latency", elapsed_ms)
                obs.flush_metrics()
                headers = {**limit_headers, **headers}
                headers.setdefault("Cache-Control", "no-store")
                headers.update(SECURITY_HEADERS)
                headers.update({"X-Request-Id": req.request_id, "X-Correlation-Id": req.correlation_id})
                return {"statusCode": status, "headers": headers, "body": body, "isBase64Encoded": False}
            finally:
                obs._request_fields.reset(token)

        handler.__wrapped__ = fn  # type: ignore[attr-defined]
        handler.route = route  # type: ignore[attr-defined]
        return handler

    return decorate
