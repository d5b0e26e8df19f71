"""The local API Gateway's pure parts: proxy and authorizer events, the authorizer/policy/handler wiring and
gateway responses, Lambda result mapping, static files, and the event-source event shapes. No sockets, no AWS:
handlers are fakes."""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from intentbid_local import static_files
from intentbid_local.events import EventError, load_event, validate
from intentbid_local.gateway import MAX_BODY_BYTES, Gateway, MalformedResult, lambda_result_to_response
from intentbid_local.gateway_responses import HttpResponse
from intentbid_local.lambda_events import failed_item_ids, sqs_event, stream_record
from intentbid_local.proxy_events import HttpRequest, authorizer_event, method_arn, proxy_event

ARN_BASE = "arn:aws:execute-api:us-east-1:123456789012:local/local"


def req(
    method: str = "GET",
    path: str = "/v1/health",
    query: str = "",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    peer: str = "198.51.100.7",
) -> HttpRequest:
    return HttpRequest(
        method=method,
        path=path,
        query=query,
        headers=headers or [("Host", "127.0.0.1:8080")],
        body=body,
        peer_ip=peer,
        peer_port=8080,
    )


def ok_handler(status: int = 200, body: Any = None) -> Any:
    calls: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        calls.append(event)
        return {
            "statusCode": status,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body if body is not None else {"ok": True}),
        }

    handler.calls = calls  # type: ignore[attr-defined]
    return handler


def allow(*resources: str, context: dict[str, Any] | None = None, effect: str = "Allow") -> Any:
    def authorizer(event: dict[str, Any], context_: Any) -> dict[str, Any]:
        authorizer.events.append(event)  # type: ignore[attr-defined]
        return {
            "principalId": "buy_1",
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": list(resources)}],
            },
            "context": context or {"principal_kind": "buyer", "principal_id": "buy_1"},
        }

    authorizer.events = []  # type: ignore[attr-defined]
    return authorizer


def raising(exc: Exception) -> Any:
    def handler(event: dict[str, Any], context: Any) -> Any:
        raise exc

    return handler


class FakeLoader:
    def __init__(self, **handlers: Any) -> None:
        self.handlers = handlers

    def get(self, name: str) -> Any:
        return self.handlers.get(name)


def gateway(tmp_path: Path, **handlers: Any) -> Gateway:
    return Gateway(FakeLoader(**handlers), dashboard=tmp_path / "no-dashboard")


def problem_of(resp: HttpResponse) -> dict[str, Any]:
    assert resp.header("Content-Type") == "application/problem+json"
    body = json.loads(resp.body)
    assert body["status"] == resp.status
    assert body["type"] == "/errors/" + body["code"]
    assert body["instance"] == resp.header("X-Request-Id")
    return dict(body)


# --- proxy events


def test_proxy_event_has_the_rest_api_shape() -> None:
    r = req(
        "POST",
        "/v1/rfos/rfo_1/offers",
        query="a=1&b=x%20y&a=2&empty=",
        headers=[("Host", "h"), ("Accept", "a/b"), ("X-Multi", "1"), ("x-multi", "2"), ("User-Agent", "ua/1")],
        body=b'{"k": "v"}',
    )
    ev = proxy_event(r, "/v1/rfos/{rfo_id}/offers", {"rfo_id": "rfo_1"})
    assert ev["resource"] == "/v1/rfos/{rfo_id}/offers"
    assert (ev["path"], ev["httpMethod"]) == ("/v1/rfos/rfo_1/offers", "POST")
    assert ev["headers"]["X-Multi"] == "2" and ev["multiValueHeaders"]["X-Multi"] == ["1", "2"]
    assert ev["queryStringParameters"] == {"a": "2", "b": "x y", "empty": ""}
    assert ev["multiValueQueryStringParameters"]["a"] == ["1", "2"]
    assert ev["pathParameters"] == {"rfo_id": "rfo_1"}
    assert ev["stageVariables"] is None
    assert (ev["body"], ev["isBase64Encoded"]) == ('{"k": "v"}', False)
    rc = ev["requestContext"]
    assert (rc["accountId"], rc["apiId"], rc["stage"]) == ("123456789012", "local", "local")
    assert rc["requestId"] == r.request_id and rc["resourcePath"] == ev["resource"]
    assert rc["path"] == "/local/v1/rfos/rfo_1/offers" and rc["httpMethod"] == "POST"
    assert rc["identity"]["userAgent"] == "ua/1"
    assert isinstance(rc["requestTimeEpoch"], int)
    assert "authorizer" not in rc


def test_absent_query_path_params_and_body_are_null() -> None:
    ev = proxy_event(req(), "/v1/health", {})
    assert ev["queryStringParameters"] is None
    assert ev["multiValueQueryStringParameters"] is None
    assert ev["pathParameters"] is None
    assert ev["body"] is None and ev["isBase64Encoded"] is False


def test_path_parameters_are_url_decoded() -> None:
    ev = proxy_event(req(path="/v1/offers/a%20b%2Fc"), "/v1/offers/{offer_id}", {"offer_id": "a%20b%2Fc"})
    assert ev["pathParameters"] == {"offer_id": "a b/c"}
    assert ev["path"] == "/v1/offers/a%20b%2Fc"


def test_a_non_utf8_body_arrives_base64_encoded() -> None:
    raw = b"\xff\xfe\x00binary"
    ev = proxy_event(req("POST", body=raw), "/v1/health", {})
    assert ev["isBase64Encoded"] is True
    assert base64.b64decode(ev["body"]) == raw


def test_source_ip_is_the_tcp_peer_never_x_forwarded_for() -> None:
    r = req(headers=[("Host", "h"), ("X-Forwarded-For", "203.0.113.99")], peer="198.51.100.7")
    ev = proxy_event(r, "/v1/health", {})
    assert ev["requestContext"]["identity"]["sourceIp"] == "198.51.100.7"
    assert ev["headers"]["X-Forwarded-For"] == "203.0.113.99, 198.51.100.7"  # appended, as API Gateway does
    assert authorizer_event(r, "/v1/health", {})["requestContext"]["identity"]["sourceIp"] == "198.51.100.7"


def test_authorizer_event_is_a_request_authorizer_event() -> None:
    r = req("GET", "/v1/rfos/rfo_9", headers=[("Authorization", "Bearer k")])
    ev = authorizer_event(r, "/v1/rfos/{rfo_id}", {"rfo_id": "rfo_9"})
    assert ev["type"] == "REQUEST"
    assert ev["methodArn"] == f"{ARN_BASE}/GET/v1/rfos/rfo_9"
    assert ev["resource"] == "/v1/rfos/{rfo_id}" and ev["pathParameters"] == {"rfo_id": "rfo_9"}
    assert ev["headers"]["Authorization"] == "Bearer k"
    assert "body" not in ev


# --- the request path


def test_a_public_route_runs_without_the_authorizer(tmp_path: Path) -> None:
    health, auth = ok_handler(), allow("*")
    resp = gateway(tmp_path, health=health, authorizer=auth).handle(req())
    assert resp.status == 200
    assert json.loads(resp.body) == {"ok": True}
    assert auth.events == []
    assert "authorizer" not in health.calls[0]["requestContext"]
    assert resp.header("X-Request-Id") == health.calls[0]["requestContext"]["requestId"]


def test_an_allowed_request_carries_the_authorizer_context_as_strings(tmp_path: Path) -> None:
    me = ok_handler()
    auth = allow(
        f"{ARN_BASE}/GET/v1/me",
        context={"principal_kind": "buyer", "principal_id": "buy_1", "n": 3, "flag": True, "none": None},
    )
    resp = gateway(tmp_path, me=me, authorizer=auth).handle(req("GET", "/v1/me", headers=[("Authorization", "x")]))
    assert resp.status == 200
    ctx = me.calls[0]["requestContext"]["authorizer"]
    assert ctx["principal_kind"] == "buyer" and ctx["principalId"] == "buy_1"
    assert (ctx["n"], ctx["flag"]) == ("3", "true")
    assert "none" not in ctx
    assert isinstance(ctx["integrationLatency"], int)
    assert auth.events[0]["methodArn"] == f"{ARN_BASE}/GET/v1/me"


def test_an_authorizer_unauthorized_is_a_401_and_the_endpoint_never_runs(tmp_path: Path) -> None:
    me = ok_handler()
    resp = gateway(tmp_path, me=me, authorizer=raising(Exception("Unauthorized"))).handle(req("GET", "/v1/me"))
    assert resp.status == 401
    assert problem_of(resp)["code"] == "unauthenticated"
    assert me.calls == []


def test_an_authorizer_failure_is_a_503(tmp_path: Path) -> None:
    """The authorizer raised (a store outage, say): AWS's AUTHORIZER_FAILURE row, transient and retryable."""
    resp = gateway(tmp_path, me=ok_handler(), authorizer=raising(RuntimeError("boom"))).handle(req("GET", "/v1/me"))
    assert resp.status == 503
    assert problem_of(resp)["code"] == "service_unavailable" and problem_of(resp)["retryable"] is True


@pytest.mark.parametrize(
    "authorizer",
    [
        lambda e, c: {"principalId": "x"},  # no policy
        lambda e, c: "not an object",
        allow("*", context={"nested": {"no": "objects"}}),
    ],
)
def test_a_malformed_authorizer_answer_is_a_500(tmp_path: Path, authorizer: Any) -> None:
    """An answer API Gateway cannot use is AWS's AUTHORIZER_CONFIGURATION_ERROR row: our bug, a 500."""
    resp = gateway(tmp_path, me=ok_handler(), authorizer=authorizer).handle(req("GET", "/v1/me"))
    assert resp.status == 500
    assert problem_of(resp)["code"] == "internal_error"


def test_a_missing_authorizer_is_a_503(tmp_path: Path) -> None:
    assert gateway(tmp_path, me=ok_handler()).handle(req("GET", "/v1/me")).status == 503


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (allow(f"{ARN_BASE}/GET/v1/rfos/*"), 200),  # a wildcard over the path parameter
        (allow(f"{ARN_BASE}/*"), 200),
        (allow(f"{ARN_BASE}/POST/v1/rfos/*"), 403),  # another method
        (allow(f"{ARN_BASE}/GET/v1/offers/*"), 403),  # another resource
        (allow(f"{ARN_BASE}/GET/v1/rfos/*", effect="Deny"), 403),
    ],
)
def test_the_policy_is_evaluated_against_the_method_arn(tmp_path: Path, policy: Any, expected: int) -> None:
    resp = gateway(tmp_path, rfo_get=ok_handler(), authorizer=policy).handle(req("GET", "/v1/rfos/rfo_1"))
    assert resp.status == expected


def test_an_explicit_deny_wins_over_an_allow(tmp_path: Path) -> None:
    def authorizer(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {
            "principalId": "p",
            "context": {},
            "policyDocument": {
                "Statement": [
                    {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": [f"{ARN_BASE}/*"]},
                    {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": f"{ARN_BASE}/GET/v1/me"},
                ]
            },
        }

    assert gateway(tmp_path, me=ok_handler(), authorizer=authorizer).handle(req("GET", "/v1/me")).status == 403


@pytest.mark.parametrize(
    ("context", "code"),
    [
        ({"deny_code": "insufficient_scope"}, "insufficient_scope"),
        ({"deny_code": "ip_not_allowed"}, "ip_not_allowed"),
        ({}, "forbidden"),
    ],
)
def test_a_denial_is_a_403_with_the_authorizers_deny_code(tmp_path: Path, context: dict[str, Any], code: str) -> None:
    auth = allow(f"{ARN_BASE}/GET/v1/other", context=context)
    resp = gateway(tmp_path, me=ok_handler(), authorizer=auth).handle(req("GET", "/v1/me"))
    assert resp.status == 403
    assert problem_of(resp)["code"] == code


def test_an_unknown_path_is_404_and_a_wrong_method_is_405_with_allow(tmp_path: Path) -> None:
    gw = gateway(tmp_path, health=ok_handler())
    resp = gw.handle(req("GET", "/v1/nope"))
    assert resp.status == 404 and problem_of(resp)["code"] == "not_found"
    resp = gw.handle(req("PUT", "/v1/health"))
    assert resp.status == 405 and problem_of(resp)["code"] == "method_not_allowed"
    assert resp.header("Allow") == "GET"


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "HEAD", "OPTIONS", "DELETE"])
def test_any_undeclared_method_on_a_route_path_is_405_listing_the_paths_methods(tmp_path: Path, method: str) -> None:
    gw = gateway(tmp_path, rfo_list=ok_handler(), rfo_create=ok_handler())
    resp = gw.handle(req(method, "/v1/rfos"))
    assert resp.status == 405 and problem_of(resp)["code"] == "method_not_allowed"
    assert resp.header("Allow") == "GET, POST"
    unknown = gw.handle(req(method, "/v1/no-such-thing"))
    assert unknown.status == 404 and problem_of(unknown)["code"] == "not_found"


def test_a_body_over_10_mb_is_413(tmp_path: Path) -> None:
    resp = gateway(tmp_path).handle(req("POST", "/v1/vendors/register", body=b"x" * (MAX_BODY_BYTES + 1)))
    assert resp.status == 413 and problem_of(resp)["code"] == "payload_too_large"


@pytest.mark.parametrize(
    "handler",
    [
        raising(ValueError("bug")),
        lambda e, c: {"statusCode": "200", "body": ""},
        lambda e, c: {"statusCode": 200, "body": {"not": "a string"}},
        lambda e, c: {"statusCode": 200, "headers": {"X-N": 1}},
        lambda e, c: {"statusCode": 200, "extra": 1},
        lambda e, c: None,
    ],
)
def test_a_raising_or_malformed_handler_is_a_502(tmp_path: Path, handler: Any) -> None:
    resp = gateway(tmp_path, health=handler).handle(req())
    assert resp.status == 502
    assert problem_of(resp)["code"] == "bad_gateway"  # AWS's INTEGRATION_FAILURE row


def test_functions_run_with_their_deployed_timeouts_and_an_overrun_is_a_502(tmp_path: Path) -> None:
    """Issue 12: locally the contexts said 29 s (API Gateway's limit) and 10 s, deployed the functions stop at
    10 s and 5 s (infra reads the same constants). A handler that ran past its timeout loses its answer."""
    from intentbid.routes import API_TIMEOUT_S, AUTHORIZER_TIMEOUT_S

    seen: list[int] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(context.get_remaining_time_in_millis())
        now[0] += step[0]
        return {"statusCode": 200, "body": "{}"}

    now, step = [100.0], [0.0]
    gw = Gateway(FakeLoader(health=handler), dashboard=tmp_path / "none", clock=lambda: now[0])
    assert gw.handle(req()).status == 200 and API_TIMEOUT_S * 1000 - 1000 < seen[0] <= API_TIMEOUT_S * 1000
    from intentbid_local.gateway import LOCAL_TIMEOUT_SLACK

    step[0] = API_TIMEOUT_S + 0.5  # past the deployed timeout, within the local slack: one process, shared CPU
    assert gw.handle(req()).status == 200
    step[0] = API_TIMEOUT_S * LOCAL_TIMEOUT_SLACK + 0.5
    resp = gw.handle(req())
    assert resp.status == 502 and problem_of(resp)["code"] == "bad_gateway"
    assert (API_TIMEOUT_S, AUTHORIZER_TIMEOUT_S) == (10, 5)


def test_a_missing_function_is_a_502(tmp_path: Path) -> None:
    assert gateway(tmp_path).handle(req()).status == 502


def test_the_correlation_id_is_echoed_on_gateway_responses(tmp_path: Path) -> None:
    resp = gateway(tmp_path).handle(req("GET", "/v1/nope", headers=[("X-Correlation-Id", "abc-1")]))
    assert resp.header("X-Correlation-Id") == "abc-1"
    resp = gateway(tmp_path).handle(req("GET", "/v1/nope", headers=[("X-Correlation-Id", "bad value\n")]))
    assert resp.header("X-Correlation-Id") is None


def test_lambda_results_merge_headers_like_api_gateway() -> None:
    resp = lambda_result_to_response(
        {
            "statusCode": 201,
            "headers": {"A": "1", "Set-Cookie": "ignored"},
            "multiValueHeaders": {"set-cookie": ["x=1", "y=2"]},
            "body": base64.b64encode(b"\x00\x01").decode(),
            "isBase64Encoded": True,
        }
    )
    assert resp.status == 201
    assert resp.headers == [("A", "1"), ("set-cookie", "x=1"), ("set-cookie", "y=2")]
    assert resp.body == b"\x00\x01"
    with pytest.raises(MalformedResult):
        lambda_result_to_response({"statusCode": 200, "body": "%%%", "isBase64Encoded": True})


def test_method_arn() -> None:
    assert method_arn("PATCH", "/v1/offers/off_1") == f"{ARN_BASE}/PATCH/v1/offers/off_1"


# --- static files


@pytest.fixture
def dashboard(tmp_path: Path) -> Path:
    root = tmp_path / "dashboard"
    (root / "js").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html>")
    (root / "app.js").write_text("1")
    (root / "js" / "x.mjs").write_text("2")
    (root / "styles.css").write_text("a{}")
    (tmp_path / "secret.txt").write_text("secret")
    os.symlink(tmp_path / "secret.txt", root / "link.txt")
    return root


@pytest.mark.parametrize(
    ("url", "name", "ctype"),
    [
        ("/", "index.html", "text/html; charset=utf-8"),
        ("/dashboard/", "index.html", "text/html; charset=utf-8"),
        ("/dashboard/app.js", "app.js", "text/javascript; charset=utf-8"),
        ("/app.js", "app.js", "text/javascript; charset=utf-8"),
        ("/dashboard/js/x.mjs", "js/x.mjs", "text/javascript; charset=utf-8"),
        ("/styles.css", "styles.css", "text/css; charset=utf-8"),
    ],
)
def test_dashboard_files_are_served_with_their_types(dashboard: Path, url: str, name: str, ctype: str) -> None:
    resp = Gateway(FakeLoader(), dashboard=dashboard).handle(req("GET", url))
    assert resp.status == 200
    assert resp.body == (dashboard / name).read_bytes()
    assert resp.header("Content-Type") == ctype


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/../secret.txt",
        "/dashboard/%2e%2e/secret.txt",
        "/dashboard/..%2fsecret.txt",
        "/..%2fsecret.txt",
        "/dashboard/..%5csecret.txt",
        "/dashboard/link.txt",
        "/dashboard/%00index.html",
        "/dashboard/nope.js",
    ],
)
def test_path_traversal_and_escapes_are_refused(dashboard: Path, url: str) -> None:
    resp = Gateway(FakeLoader(), dashboard=dashboard).handle(req("GET", url))
    assert resp.status == 404
    assert b"secret" not in resp.body


def test_api_paths_are_never_static(dashboard: Path) -> None:
    (dashboard / "v1").mkdir()
    (dashboard / "v1" / "health").write_text("static")
    assert static_files.relative_request_path("/v1/health") is None
    assert static_files.relative_request_path("/docs") is None
    resp = Gateway(FakeLoader(health=ok_handler()), dashboard=dashboard).handle(req("GET", "/v1/health"))
    assert json.loads(resp.body) == {"ok": True}


def test_dashboard_without_slash_redirects(dashboard: Path) -> None:
    resp = Gateway(FakeLoader(), dashboard=dashboard).handle(req("GET", "/dashboard"))
    assert resp.status == 301 and resp.header("Location") == "/dashboard/"


@pytest.mark.parametrize("url", ["/", "/dashboard/", "/dashboard/app.js", "/styles.css", "/dashboard"])
def test_dashboard_pages_cannot_be_framed(dashboard: Path, url: str) -> None:
    """People paste API keys into the dashboard: no other site may frame it (clickjacking). A <meta> CSP cannot
    say frame-ancestors, so the header must."""
    resp = Gateway(FakeLoader(), dashboard=dashboard).handle(req("GET", url))
    csp = resp.header("Content-Security-Policy") or ""
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "script-src 'self'" in csp
    assert resp.header("X-Frame-Options") == "DENY"
    assert resp.header("X-Content-Type-Options") == "nosniff"


def test_the_dashboard_header_policy_keeps_the_pages_own_meta_policy() -> None:
    """The header adds frame-ancestors to index.html's <meta> policy and loosens nothing."""
    index = (Path(__file__).resolve().parents[2] / "dashboard" / "index.html").read_text()
    meta = index.split('http-equiv="Content-Security-Policy"')[1].split('content="')[1].split('"')[0]
    header = dict(d.strip().split(" ", 1) for d in static_files.CONTENT_SECURITY_POLICY.split(";"))
    assert {k: v for k, v in header.items() if k != "frame-ancestors"} == dict(
        d.strip().split(" ", 1) for d in meta.split(";")
    )


# --- event-source events


def test_sqs_event_shape() -> None:
    ev = sqs_event(
        [
            {
                "MessageId": "m1",
                "ReceiptHandle": "rh",
                "Body": "{}",
                "MD5OfBody": "md5",
                "Attributes": {"ApproximateReceiveCount": "2"},
                "MessageAttributes": {"a": {"DataType": "Binary", "BinaryValue": b"\x01"}},
            }
        ],
        "arn:aws:sqs:us-east-1:123456789012:q",
    )
    rec = ev["Records"][0]
    assert rec["messageId"] == "m1" and rec["receiptHandle"] == "rh" and rec["body"] == "{}"
    assert rec["attributes"] == {"ApproximateReceiveCount": "2"}
    assert rec["messageAttributes"]["a"]["binaryValue"] == "AQ=="
    assert (rec["eventSource"], rec["eventSourceARN"], rec["awsRegion"]) == (
        "aws:sqs",
        "arn:aws:sqs:us-east-1:123456789012:q",
        "us-east-1",
    )
    validate(ev)


def test_stream_record_times_are_epoch_seconds() -> None:
    created = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    rec = stream_record(
        {
            "eventID": "e",
            "eventName": "INSERT",
            "eventVersion": "1.0",
            "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "dynamodb": {
                "ApproximateCreationDateTime": created,
                "Keys": {"id": {"S": "1"}},
                "SequenceNumber": "7",
                "StreamViewType": "NEW_IMAGE",
                "SizeBytes": 9,
            },
        },
        "arn:stream",
    )
    assert rec["dynamodb"]["ApproximateCreationDateTime"] == created.timestamp()
    assert rec["eventSourceARN"] == "arn:stream"
    validate({"Records": [rec]})


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (None, set()),
        ({"batchItemFailures": []}, set()),
        ({"batchItemFailures": [{"itemIdentifier": "a"}]}, {"a"}),
        ({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, None),  # not in the batch: all fail
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, None),
        ({"batchItemFailures": "a"}, None),
    ],
)
def test_batch_item_failures(result: Any, expected: set[str] | None) -> None:
    assert failed_item_ids(result, {"a", "b"}) == expected


# --- sample events


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("health", "apigw"),
        ("rfo_create", "apigw"),
        ("offer_submit", "apigw"),
        ("authorizer", "authorizer"),
        ("sqs_rfo_expire", "sqs"),
        ("stream_outbox", "stream"),
    ],
)
def test_sample_events_load_and_validate(name: str, kind: str) -> None:
    assert validate(load_event(name)) == kind


def test_load_event_overrides() -> None:
    ev = load_event("rfo_create", body={"title": "x"}, requestContext__authorizer__principal_id="buy_2")
    assert json.loads(ev["body"]) == {"title": "x"}
    assert ev["requestContext"]["authorizer"]["principal_id"] == "buy_2"
    assert ev["requestContext"]["authorizer"]["principal_kind"] == "buyer"  # untouched
    assert load_event("rfo_create")["requestContext"]["authorizer"]["principal_id"] != "buy_2"  # a fresh copy


def test_load_event_refuses_an_incomplete_event(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"Records": [{"eventSource": "aws:sqs", "body": "{}"}]}))
    with pytest.raises(EventError, match="messageId"):
        load_event(bad)
    with pytest.raises(EventError, match="body"):
        load_event("health", body=3)


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/v1/public/rfos/pub_s3cret", "/v1/public/rfos/{token}"),
        ("/v1/public/rfos/pub_s3cret/extra", "/v1/public/…"),
        ("/v1/rfos/rfo_1/offers", "/v1/rfos/rfo_1/offers"),  # ids are not secrets
        ("/nowhere", "/nowhere"),
    ],
)
def test_the_access_log_path_hides_share_tokens(path: str, logged: str) -> None:
    from intentbid_local.gateway import access_log_path

    assert access_log_path(path) == logged


@pytest.mark.parametrize("line", [b"-1\r\n", b"\r\n", b"g\r\n", b"1" * 17 + b"\r\n", b"a", b"1" * 2000 + b"\r\n"])
def test_a_malformed_chunk_size_line_is_refused(line: bytes) -> None:
    from intentbid_local.gateway import MalformedBody, chunk_size

    with pytest.raises(MalformedBody):
        chunk_size(line)


def test_chunk_sizes_are_hex_with_optional_extensions() -> None:
    from intentbid_local.gateway import chunk_size

    assert chunk_size(b"1A;name=value\r\n") == 26 and chunk_size(b"0\r\n") == 0 and chunk_size(b"ff\n") == 255
