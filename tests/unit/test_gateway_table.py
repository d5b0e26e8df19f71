"""API Gateway's own errors come from one table (``intentbid.http.gateway_errors``): the CDK's gateway response
templates and the local gateway's answers are both rendered from it, and this proves they say the same thing.
Each case drives the real local ``Gateway`` into the situation, then compares its answer with the AWS template
of the row AWS would use, ``$context`` variables substituted with the request's values."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from intentbid.http import catalog
from intentbid.http import gateway_errors as gw
from intentbid_local.gateway import Gateway
from intentbid_local.gateway_responses import HttpResponse
from intentbid_local.proxy_events import HttpRequest

ROOT = Path(__file__).resolve().parents[2]


def _infra() -> Any:
    """The CDK side's renderer (a plain module: it imports no CDK), loaded without the CDK package."""
    spec = importlib.util.spec_from_file_location(
        "infra_gw_table", ROOT / "infra" / "intentbid_infra" / "gateway_responses.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["infra_gw_table"] = module
    spec.loader.exec_module(module)
    return module


INFRA = _infra()


def _aws_answer(row: gw.GatewayProblem, request_id: str, deny_code: str) -> tuple[int, dict[str, str], dict[str, Any]]:
    """What API Gateway sends for ``row`` at the stage root mapped as "" (the local base path)."""
    template = INFRA.body(row)
    template = template.replace("/$context.stage", "").replace("$context.requestId", request_id)
    template = template.replace("$context.authorizer.deny_code", deny_code)
    headers = {k: v.strip("'") for k, v in INFRA.response_headers(row).items() if v.startswith("'")}
    return row.status, headers, json.loads(template)


def _raising(exc: Exception) -> Any:
    def handler(event: dict[str, Any], context: Any) -> Any:
        raise exc

    return handler


def _deny(code: str) -> Any:
    def handler(event: dict[str, Any], context: Any) -> Any:
        return {
            "principalId": "k",
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": event["methodArn"]}],
            },
            "context": {"deny_code": code},
        }

    return handler


class _Loader:
    def __init__(self, **handlers: Any) -> None:
        self.handlers = handlers

    def get(self, name: str) -> Any:
        return self.handlers.get(name)


def _ok(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "body": "{}"}


CASES: list[tuple[str, gw.GatewayProblem, dict[str, Any], str, str, str]] = [
    # (case, row AWS uses, handlers, method, path, deny code)
    ("no key", gw.UNAUTHORIZED, {"authorizer": _raising(Exception("Unauthorized")), "me": _ok}, "GET", "/v1/me", ""),
    (
        "denied",
        gw.ACCESS_DENIED,
        {"authorizer": _deny("insufficient_scope"), "me": _ok},
        "GET",
        "/v1/me",
        "insufficient_scope",
    ),
    ("unknown path", gw.NO_SUCH_ENDPOINT, {}, "GET", "/v1/nowhere", ""),
    (
        "authorizer raised",
        gw.AUTHORIZER_FAILURE,
        {"authorizer": _raising(RuntimeError("store down")), "me": _ok},
        "GET",
        "/v1/me",
        "",
    ),
    ("authorizer missing", gw.AUTHORIZER_FAILURE, {"me": _ok}, "GET", "/v1/me", ""),
    (
        "authorizer malformed",
        gw.AUTHORIZER_CONFIGURATION_ERROR,
        {"authorizer": lambda e, c: "nope", "me": _ok},
        "GET",
        "/v1/me",
        "",
    ),
    ("function raised", gw.INTEGRATION_FAILURE, {"health": _raising(ValueError("bug"))}, "GET", "/v1/health", ""),
    ("function malformed", gw.INTEGRATION_FAILURE, {"health": lambda e, c: None}, "GET", "/v1/health", ""),
    ("function missing", gw.INTEGRATION_FAILURE, {}, "GET", "/v1/health", ""),
]


@pytest.mark.parametrize(("case", "row", "handlers", "method", "path", "deny"), CASES, ids=[c[0] for c in CASES])
def test_the_local_gateway_answers_what_the_aws_template_says(
    tmp_path: Path, case: str, row: gw.GatewayProblem, handlers: dict[str, Any], method: str, path: str, deny: str
) -> None:
    req = HttpRequest(method, path, "", [("Host", "127.0.0.1")], b"", "198.51.100.7", 8080)
    resp: HttpResponse = Gateway(_Loader(**handlers), dashboard=tmp_path / "none").handle(req)
    status, headers, body = _aws_answer(row, req.request_id, deny)
    assert resp.status == status
    assert json.loads(resp.body) == body
    for name, value in headers.items():
        assert resp.header(name) == value, name


def test_too_large_and_method_not_allowed_agree_too(tmp_path: Path) -> None:
    gateway = Gateway(_Loader(), dashboard=tmp_path / "none")
    big = HttpRequest("POST", "/v1/rfos", "", [], b"x" * (10 * 1024 * 1024 + 1), "198.51.100.7", 8080)
    resp = gateway.handle(big)
    assert (resp.status, json.loads(resp.body)) == _aws_answer(gw.TOO_LARGE, big.request_id, "")[::2]
    trace = HttpRequest("TRACE", "/v1/rfos", "", [], b"", "198.51.100.7", 8080)
    resp = gateway.handle(trace)
    assert (resp.status, json.loads(resp.body)) == _aws_answer(gw.METHOD_NOT_ALLOWED, trace.request_id, "")[::2]
    assert resp.header("Allow") == "GET, POST"


def test_the_drifted_cases_agree() -> None:
    """The cases that had drifted between the two copies, pinned: the 401's title and challenge, the
    authorizer's failure (transient: 503) vs a malformed answer (500), the 502's code."""
    assert (gw.UNAUTHORIZED.title, gw.UNAUTHORIZED.headers) == (
        "Authentication required",
        {"WWW-Authenticate": "Bearer"},
    )
    assert (gw.AUTHORIZER_FAILURE.status, gw.AUTHORIZER_FAILURE.code) == (503, "service_unavailable")
    assert (gw.AUTHORIZER_CONFIGURATION_ERROR.status, gw.AUTHORIZER_CONFIGURATION_ERROR.code) == (500, "internal_error")
    assert (gw.INTEGRATION_FAILURE.status, gw.INTEGRATION_FAILURE.code) == (502, "bad_gateway")


@pytest.mark.parametrize(
    "row", [*gw.GATEWAY_PROBLEMS, gw.METHOD_NOT_ALLOWED, gw.MALFORMED_REQUEST], ids=lambda r: r.response_type
)
def test_every_row_agrees_with_its_catalog_entry(row: gw.GatewayProblem) -> None:
    codes = ["forbidden", "insufficient_scope", "ip_not_allowed"] if row.code == gw.DENY_CODE else [row.code]
    for code in codes:
        entry = catalog.BY_CODE[code]
        assert entry.status == row.status, code
        if row.code != gw.DENY_CODE:
            assert entry.title == row.title, code
    assert row.retryable is (row.status in (429, 500, 502, 503, 504))
