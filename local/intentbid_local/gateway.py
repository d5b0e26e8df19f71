"""The local API Gateway: HTTP request -> (authorizer -> IAM policy) -> endpoint handler -> HTTP response.

:class:`Gateway` is the socket-free core (unit-tested); :class:`GatewayServer` puts it behind a threaded HTTP
server, so concurrent requests really run concurrently, each in its own thread, like concurrent Lambdas.
Authorizer results are never cached (TTL 0, as deployed): a revoked key fails on its very next request.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol

from intentbid import routes
from intentbid.http import correlation
from intentbid.http import gateway_errors as gw
from intentbid_local import faults, mail_view, paths, static_files, websocket
from intentbid_local.functions import Handler
from intentbid_local.gateway_responses import HttpResponse, problem
from intentbid_local.lambda_context import context_for
from intentbid_local.proxy_events import (
    HttpRequest,
    authorizer_context,
    authorizer_event,
    method_arn,
    proxy_event,
)

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit; handlers enforce their own 256 KB
DRAIN_LIMIT_BYTES = 4 * MAX_BODY_BYTES  # an oversized body up to this is read and dropped before the 413
# As deployed: the function's timeout, not API Gateway's 29 s. A fault runtime may shorten it (the fault matrix in
# `make test`): a crashed attempt's in-flight idempotency record then blocks its key for seconds, not for ten.
API_TIMEOUT_S = float(os.environ.get("INTENTBID_LOCAL_API_TIMEOUT_S") or routes.API_TIMEOUT_S)
# Where the local gateway gives up on a handler: the deployed timeout times this slack. Deployed, each concurrent
# invocation has its own instance and CPU; locally every one shares one process (one GIL) on a developer's or
# CI's loaded machine, so 20 concurrent awards take ~20x their deployed time. The context's remaining time (and so
# an idempotency record's in-flight window) stays the deployed one; only the cut-off is widened.
LOCAL_TIMEOUT_SLACK = float(os.environ.get("INTENTBID_LOCAL_TIMEOUT_SLACK", "3"))
AUTHORIZER_TIMEOUT_S = float(routes.AUTHORIZER_TIMEOUT_S)
AUTHORIZER = "authorizer"
_RESULT_KEYS = {"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"}
log = logging.getLogger("intentbid_local.gateway")


class HandlerSource(Protocol):
    def get(self, name: str) -> Handler | None: ...


MAX_CHUNK_LINE = 1024  # a chunk-size line (with extensions) or a trailer line longer than this is malformed
MAX_TRAILERS = 32
_CHUNK_SIZE_RE = re.compile(rb"^[0-9A-Fa-f]{1,16}$")


class MalformedBody(ValueError):
    """A request body the gateway refuses with 400 before reading further (malformed chunked encoding)."""


def chunk_size(line: bytes) -> int:
    """The size on a chunk-size line (``1a;ext=x\\r\\n``): hex digits only; negative, signed, empty, non-hex,
    over-long or unterminated lines raise :class:`MalformedBody`."""
    if len(line) > MAX_CHUNK_LINE or not line.endswith(b"\n"):
        raise MalformedBody("A chunk-size line is too long or unterminated.")
    digits = line.split(b";", 1)[0].strip()
    if not _CHUNK_SIZE_RE.match(digits):
        raise MalformedBody("A chunk size is not a hexadecimal number.")
    return int(digits, 16)


class MalformedResult(ValueError):
    """A Lambda proxy result API Gateway would refuse (502 "Malformed Lambda proxy response")."""


class Gateway:
    def __init__(
        self, loader: HandlerSource, dashboard: Path | None = None, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        self.loader = loader
        self.dashboard = dashboard if dashboard is not None else paths.dashboard_dir()
        self._clock = clock
        self.realtime = websocket.Hub(loader)  # the WebSocket API and its Management API (same host and port)

    # -- dispatch
    def handle(self, req: HttpRequest) -> HttpResponse:
        if req.path.startswith(websocket.MANAGEMENT_PREFIX):  # the WebSocket API's Management API
            return _with_request_id(req, self.realtime.management(req.method, req.path, req.body))
        return _with_request_id(req, self._dispatch(req))

    def handle_oversized(self, req: HttpRequest) -> HttpResponse:
        """413 for a body refused before it was read (Content-Length or chunks beyond the limit)."""
        return _with_request_id(req, self._gateway_error(req, gw.TOO_LARGE))

    def _dispatch(self, req: HttpRequest) -> HttpResponse:
        from intentbid.routes import match

        if len(req.body) > MAX_BODY_BYTES:
            return self._gateway_error(req, gw.TOO_LARGE)
        if req.method in ("GET", "HEAD"):
            static = self._mail(req.path) or self._static(req)
            if static is not None:
                return static
        route, path_params, path_exists = match(req.method, req.path)
        if route is None:
            if path_exists:
                # As deployed: each route path's ANY method (a MOCK, before the authorizer) answers 405 + Allow.
                return self._gateway_error(
                    req, gw.METHOD_NOT_ALLOWED, headers=[("Allow", ", ".join(allowed_methods(req.path)))]
                )
            return self._gateway_error(req, gw.NO_SUCH_ENDPOINT)
        authorizer: dict[str, Any] | None = None
        if not route.public:
            decision = self._authorize(req, route.path, path_params)
            if isinstance(decision, HttpResponse):
                return decision
            authorizer = decision
        return self._invoke(req, route.function, proxy_event(req, route.path, path_params, authorizer))

    def _authorize(self, req: HttpRequest, resource: str, path_params: dict[str, str]) -> dict[str, Any] | HttpResponse:
        from intentbid.authz_policy import evaluate

        try:
            handler = self.loader.get(AUTHORIZER)
        except Exception:
            log.exception("the authorizer failed to import")
            handler = None
        if handler is None:
            return self._gateway_error(req, gw.AUTHORIZER_FAILURE)
        started = self._clock()
        try:
            result = handler(
                authorizer_event(req, resource, path_params), context_for(AUTHORIZER, AUTHORIZER_TIMEOUT_S)
            )
        except Exception as exc:
            if str(exc) == "Unauthorized":
                return self._gateway_error(req, gw.UNAUTHORIZED)
            log.exception("authorizer error (AUTHORIZER_FAILURE)")
            return self._gateway_error(req, gw.AUTHORIZER_FAILURE)
        latency_ms = int((self._clock() - started) * 1000)
        try:
            if not isinstance(result, dict) or "policyDocument" not in result or "principalId" not in result:
                raise ValueError("the result lacks principalId or policyDocument")
            context = authorizer_context(result, latency_ms)
        except ValueError as exc:
            log.error("authorizer returned a malformed result (AUTHORIZER_CONFIGURATION_ERROR): %s", exc)
            return self._gateway_error(req, gw.AUTHORIZER_CONFIGURATION_ERROR)
        if not evaluate(result, method_arn(req.method, req.path)):
            code = str((result.get("context") or {}).get("deny_code") or "forbidden")
            return self._gateway_error(req, gw.ACCESS_DENIED, deny_code=code)
        return context

    def _invoke(self, req: HttpRequest, function: str, event: dict[str, Any]) -> HttpResponse:  # noqa: PLR0911 - one per way Lambda fails
        try:
            handler = self.loader.get(function)
        except Exception:
            log.exception("function %s failed to import", function)
            return self._gateway_error(req, gw.INTEGRATION_FAILURE)
        if handler is None:
            log.error("no handler for %s: functions/%s/app.py does not exist", function, function)
            return self._gateway_error(req, gw.INTEGRATION_FAILURE)
        started = self._clock()
        injector = faults.current()
        if injector is not None and req.header("idempotency-key") and injector.draw("lambda_crash"):
            faults.doom()
        try:
            result = handler(event, context_for(function, API_TIMEOUT_S))
        except faults.LambdaKilled:
            log.warning("function %s was killed mid-handler (fault: lambda_crash): 502", function)
            return self._gateway_error(req, gw.INTEGRATION_FAILURE)
        except Exception:
            log.exception("function %s raised (API Gateway answers 502)", function)
            return self._gateway_error(req, gw.INTEGRATION_FAILURE)
        finally:
            faults.spare()
        if self._clock() - started > API_TIMEOUT_S * LOCAL_TIMEOUT_SLACK:
            # Lambda stops a function at its timeout ("Task timed out"): whatever it did, its answer is lost.
            log.error(
                "function %s ran past its %ss timeout (x%s locally): 502, as deployed",
                function,
                API_TIMEOUT_S,
                LOCAL_TIMEOUT_SLACK,
            )
            return self._gateway_error(req, gw.INTEGRATION_FAILURE)
        if injector is not None and injector.draw("lambda_timeout"):
            # The function did its work but overran its timeout: Lambda reports "Task timed out" instead of the
            # result, and API Gateway answers its integration failure. The client cannot know what happened.
            log.warning("function %s timed out after its work (fault: lambda_timeout): 502", function)
            return self._gateway_error(req, gw.INTEGRATION_FAILURE)
        try:
            return lambda_result_to_response(result)
        except MalformedResult as exc:
            log.error("function %s returned a malformed proxy result: %s", function, exc)
            return self._gateway_error(req, gw.INTEGRATION_FAILURE)

    def _mail(self, path: str) -> HttpResponse | None:
        """The local mail view (:mod:`intentbid_local.mail_view`): local only, never a route."""
        if path not in (mail_view.PATH, mail_view.JSON_PATH):
            return None
        if path == mail_view.JSON_PATH:
            return HttpResponse(
                200, [("Content-Type", "application/json"), ("Cache-Control", "no-store")], mail_view.render_json()
            )
        return HttpResponse(
            200,
            [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Cache-Control", "no-store"),
                ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'"),
            ],
            mail_view.render_html(),
        )

    def _static(self, req: HttpRequest) -> HttpResponse | None:
        if req.path == static_files.PREFIX:
            return HttpResponse(301, [("Location", static_files.PREFIX + "/"), *static_files.HEADERS])
        relative = static_files.relative_request_path(req.path)
        if relative is None or not self.dashboard.is_dir():
            return None
        target = static_files.resolve(self.dashboard, relative)
        if target is None:
            return None
        body = target.read_bytes()
        return HttpResponse(
            200,
            [("Content-Type", static_files.content_type(target)), ("Cache-Control", "no-cache"), *static_files.HEADERS],
            body,
        )

    def _gateway_error(
        self,
        req: HttpRequest,
        row: gw.GatewayProblem,
        *,
        deny_code: str = "forbidden",
        headers: list[tuple[str, str]] | None = None,
    ) -> HttpResponse:
        extra = list(headers or [])
        corr = req.header("x-correlation-id") or ""
        if correlation.valid(corr):
            extra.append(("X-Correlation-Id", corr))
        return problem(row, req.request_id, deny_code=deny_code, headers=extra)


def _with_request_id(req: HttpRequest, resp: HttpResponse) -> HttpResponse:
    for name in ("X-Request-Id", "x-amzn-RequestId"):
        if resp.header(name) is None:
            resp.headers.append((name, req.request_id))
    return resp


SECRET_PATH_PARAMS = frozenset({"token"})  # a public share token is a bearer secret: never logged
_PUBLIC_PREFIX = "/v1/public/"


def access_log_path(path: str) -> str:
    """The path as the access log shows it: secret path parameters become their ``{name}`` (as
    ``$context.resourcePath`` does in AWS); anything under ``/v1/public/`` that matches no route is cut at the
    prefix (a mistyped share URL still carries the token). Other ids stay: they are not secrets."""
    from intentbid.routes import ROUTES, match

    path = path.split("?", 1)[0]
    for method in sorted({r.method for r in ROUTES}):
        route, params, _ = match(method, path)
        if route is not None:
            out = route.path
            for name, value in params.items():
                if name not in SECRET_PATH_PARAMS:
                    out = out.replace("{" + name + "}", value)
            return out
    if path.startswith(_PUBLIC_PREFIX):
        return _PUBLIC_PREFIX + "…"
    return path


def allowed_methods(path: str) -> list[str]:
    from intentbid.routes import ROUTES, match

    return sorted({r.method for r in ROUTES if match(r.method, path)[0] is not None})


def lambda_result_to_response(result: Any) -> HttpResponse:
    """A Lambda proxy result -> HTTP response, refusing what API Gateway refuses. ``multiValueHeaders`` win
    over ``headers`` for the same name, as in API Gateway."""
    import base64

    if not isinstance(result, dict):
        raise MalformedResult(f"the result is a {type(result).__name__}, not an object")
    unknown = set(result) - _RESULT_KEYS
    if unknown:
        raise MalformedResult(f"unknown keys {sorted(unknown)}")
    status = result.get("statusCode")
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MalformedResult(f"statusCode {status!r} is not an HTTP status")
    single = result.get("headers") or {}
    multi = result.get("multiValueHeaders") or {}
    if not isinstance(single, dict) or not isinstance(multi, dict):
        raise MalformedResult("headers and multiValueHeaders must be objects")
    multi_names = {k.lower() for k in multi}
    headers: list[tuple[str, str]] = []
    for k, v in single.items():
        if not isinstance(v, str):
            raise MalformedResult(f"header {k!r} is not a string")
        if k.lower() not in multi_names:
            headers.append((k, v))
    for k, values in multi.items():
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise MalformedResult(f"multiValueHeaders[{k!r}] is not a list of strings")
        headers += [(k, v) for v in values]
    body = result.get("body")
    if body is not None and not isinstance(body, str):
        raise MalformedResult("body must be a string or null")
    raw = (body or "").encode("utf-8")
    if result.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body or "", validate=True)
        except ValueError as exc:
            raise MalformedResult("isBase64Encoded but the body is not base64") from exc
    return HttpResponse(status, headers, raw)


# -- HTTP server


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60  # idle keep-alive connections end; their thread with them
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return  # one line per request is logged by _respond

    def handle_expect_100(self) -> bool:
        if self._declared_length() > MAX_BODY_BYTES:
            self._too_large()
            return False
        return super().handle_expect_100()

    def _expecting_continue(self) -> bool:
        return (self.headers.get("Expect") or "").lower() == "100-continue"

    def _declared_length(self) -> int:
        try:
            return int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return -1

    def _too_large(self) -> None:
        self.close_connection = True
        length = self._declared_length()
        if 0 < length <= DRAIN_LIMIT_BYTES and not self._expecting_continue():
            # Read the rest, so the client sees the 413 rather than a reset while still sending.
            remaining = length
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                remaining -= len(chunk)
        req = self._request(b"")
        self._respond(req, self.server.gateway.handle_oversized(req), time.perf_counter())

    def _read_body(self) -> bytes | None:
        """The request body, or ``None`` when it exceeds the limit (the connection is then closed). A malformed
        chunked body raises :class:`MalformedBody` at once: nothing past the limit is ever read."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            if self.headers.get("Content-Length") is not None:
                raise MalformedBody("Content-Length and chunked Transfer-Encoding together.")
            return self._read_chunks()
        length = self._declared_length()
        if length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunks(self) -> bytes | None:
        chunks: list[bytes] = []
        total = 0
        while True:
            size = chunk_size(self.rfile.readline(MAX_CHUNK_LINE + 1))
            if size == 0:
                for _ in range(MAX_TRAILERS + 1):
                    line = self.rfile.readline(MAX_CHUNK_LINE + 1)
                    if line in (b"\r\n", b"\n", b""):
                        return b"".join(chunks)
                raise MalformedBody("Too many or too long trailers.")
            if total + size > MAX_BODY_BYTES:
                return None  # 413 before reading the chunk: at most the limit is ever read
            data = self.rfile.read(size)
            if len(data) != size or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise MalformedBody("A chunk is shorter than its size or not followed by CRLF.")
            chunks.append(data)
            total += size

    def _request(self, body: bytes) -> HttpRequest:
        path, _, query = self.path.partition("?")
        return HttpRequest(
            method=self.command,
            path=path,
            query=query,
            headers=list(self.headers.items()),
            body=body,
            peer_ip=self.client_address[0],
            peer_port=self.server.server_address[1],
            protocol=self.request_version,
        )

    def _dispatch(self) -> None:
        started = time.perf_counter()
        if (
            self.command == "GET"
            and self.path.split("?", 1)[0] == websocket.PATH
            and (self.headers.get("Upgrade") or "").lower() == "websocket"
        ):
            self.close_connection = True  # the socket is the WebSocket's until it closes
            self.server.gateway.realtime.serve(self)
            return
        if self._declared_length() < 0:
            self.close_connection = True
            req = self._request(b"")
            self._respond(
                req,
                problem(gw.MALFORMED_REQUEST, req.request_id, detail="The Content-Length header is not a number."),
                started,
            )
            return
        try:
            body = self._read_body()
        except MalformedBody as exc:
            self.close_connection = True  # the rest of the stream is not read: the connection ends here
            req = self._request(b"")
            self._respond(req, problem(gw.MALFORMED_REQUEST, req.request_id, detail=f"Malformed body: {exc}"), started)
            return
        if body is None:
            self._too_large()
            return
        req = self._request(body)
        try:
            resp = self.server.gateway.handle(req)
        except Exception:
            log.exception("gateway error")
            resp = problem(gw.DEFAULT_5XX, req.request_id)
        self._respond(req, resp, started)

    def _respond(self, req: HttpRequest, resp: HttpResponse, started: float) -> None:
        resp = _with_request_id(req, resp)
        self.send_response(resp.status)
        for k, v in resp.headers:
            if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(resp.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if req.method != "HEAD" and resp.body:
            self.wfile.write(resp.body)
        ms = (time.perf_counter() - started) * 1000
        log.info("%s %s %d %.1fms", req.method, access_log_path(req.path), resp.status, ms)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch

    def __getattr__(self, name: str) -> Any:
        """Every other method (TRACE, CONNECT, PROPFIND, ...) goes to the gateway too, which answers it like API
        Gateway's catch-all: 405 problem+json with ``Allow`` on a known path, 404 elsewhere.
        (``BaseHTTPRequestHandler`` would answer 501 with an HTML page.)"""
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # keep-alive connections never block shutdown
    allow_reuse_address = True
    request_queue_size = 128  # socketserver's default of 5 resets bursts of new connections
    gateway: Gateway


class GatewayServer:
    """The gateway on a loopback socket, serving from a background thread."""

    def __init__(self, gateway: Gateway, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), _RequestHandler)
        self._server.gateway = gateway
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def realtime_env(self) -> dict[str, str]:
        """Where the handlers find the WebSocket (tickets' ``url``) and its Management API (the push worker)."""
        return {
            "REALTIME_URL": self.url.replace("http://", "ws://", 1) + websocket.PATH,
            "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI": self.url,
        }

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, name="local-api-gateway", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.gateway.realtime.close_all()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()
