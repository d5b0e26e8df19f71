"""The local runtime's mechanics over real HTTP: gateway responses, the authorizer and its policy, request
ids, body limits, static files, concurrency, the pollers (real workers, and fake ones that record the exact
Lambda events they receive), and a clean stop on Ctrl-C."""

from __future__ import annotations

import http.client
import json
import logging
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from intentbid_local.testdata import DAY_S, offer_body, rfo_body
from intentbid_local.timefmt import parse_rfc3339, rfc3339

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

REPO = Path(__file__).resolve().parents[2]
UUID_LEN = 36


def wait_for(predicate: Callable[[], Any], timeout: float, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def assert_problem(status: int, headers: Any, body: Any, expected_status: int, code: str) -> None:
    assert status == expected_status, body
    assert headers.get("Content-Type") == "application/problem+json"
    assert body["status"] == expected_status
    assert body["code"] == code
    assert body["type"] == f"/errors/{code}"
    assert body["title"] and body["detail"]
    assert body["instance"] == headers.get("X-Request-Id")
    assert isinstance(body["retryable"], bool)


def raw_get(url: str, path: str) -> tuple[int, bytes]:
    """GET with the path sent byte for byte (urllib would not normalise it, but be explicit)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def register(runtime: Any, kind: str) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:8]
    status, _, body = runtime.request(
        "POST", f"/v1/{kind}s/register", json={"name": f"e2e {kind} {tag}", "email": f"{kind}-{tag}@e2e.example"}
    )
    assert status == 201, body
    return dict(body)


# --- gateway responses


def test_health_answers_200_with_a_request_id(runtime: Any) -> None:
    status, headers, body = runtime.request("GET", "/v1/health")
    assert status == 200
    assert body["status"] == "ok"
    assert len(headers.get("X-Request-Id", "")) == UUID_LEN


def test_unknown_path_is_a_not_found_problem(runtime: Any) -> None:
    status, headers, body = runtime.request("GET", "/v1/no-such-thing")
    assert_problem(status, headers, body, 404, "not_found")


def test_wrong_method_on_a_known_path_is_405_with_allow(runtime: Any) -> None:
    status, headers, body = runtime.request("DELETE", "/v1/health")
    assert_problem(status, headers, body, 405, "method_not_allowed")
    assert headers.get("Allow") == "GET"


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "DELETE", "PUT", "OPTIONS"])
def test_an_undeclared_method_is_405_problem_json_on_every_path_and_404_off_them(runtime: Any, method: str) -> None:
    """Over real HTTP, any method a path does not declare (TRACE too: the HTTP server's default is a 501 HTML
    page) is a 405 problem+json listing the path's methods in Allow; an unknown path stays 404."""
    from intentbid.routes import ROUTES

    by_path: dict[str, set[str]] = {}
    for route in ROUTES:
        by_path.setdefault(route.path, set()).add(route.method)
    wrong = []
    for path, methods in by_path.items():
        if method in methods:
            continue
        concrete = re.sub(r"{\w+}", "x1", path)
        status, headers, body = runtime.request(method, concrete, key=runtime.admin_key)
        allow = headers.get("Allow")
        ok = status == 405 and isinstance(body, dict) and body.get("code") == "method_not_allowed"
        if not ok or allow != ", ".join(sorted(methods)) or "problem+json" not in headers.get("Content-Type", ""):
            wrong.append(f"{method} {concrete}: {status} Allow={allow} {body!r:.120}")
    assert not wrong, "\n".join(wrong)
    status, headers, body = runtime.request(method, "/v1/no-such-thing")
    assert_problem(status, headers, body, 404, "not_found")


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer garbage",
        "Bearer ib_live_0123456789abcdefghijABCDEFGHIJKL",  # well-formed, unknown
        "Basic dXNlcjpwYXNz",
    ],
)
def test_a_missing_or_unknown_key_is_unauthenticated(runtime: Any, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    status, resp_headers, body = runtime.request("GET", "/v1/me", headers=headers)
    assert_problem(status, resp_headers, body, 401, "unauthenticated")


def test_a_policy_denial_is_403_with_the_authorizers_deny_code(runtime: Any) -> None:
    vendor = register(runtime, "vendor")
    status, headers, body = runtime.request("POST", "/v1/rfos", json={"title": "x"}, key=vendor["api_key"])
    assert_problem(status, headers, body, 403, "forbidden")


def test_an_allowed_request_reaches_the_endpoint_with_the_principal(runtime: Any) -> None:
    buyer = register(runtime, "buyer")
    status, _, body = runtime.request("GET", "/v1/me", key=buyer["api_key"])
    assert status == 200, body
    assert (body["kind"], body["id"]) == ("buyer", buyer["buyer"]["id"])


def test_the_bootstrap_admin_key_works(runtime: Any) -> None:
    assert runtime.admin_key and runtime.admin_key.startswith("ib_live_")
    status, _, body = runtime.request("GET", "/v1/me", key=runtime.admin_key)
    assert status == 200, body
    assert body["kind"] == "admin"


@pytest.mark.parametrize("path", ["/v1/health", "/v1/nope"])
def test_the_correlation_id_is_echoed(runtime: Any, path: str) -> None:
    _, headers, _ = runtime.request("GET", path, headers={"X-Correlation-Id": "e2e-corr-42"})
    assert headers.get("X-Correlation-Id") == "e2e-corr-42"


def test_a_body_over_10_mb_is_payload_too_large(runtime: Any) -> None:
    status, headers, body = runtime.request(
        "POST", "/v1/vendors/register", body=b"x" * (10 * 1024 * 1024 + 1), headers={"Content-Type": "application/json"}
    )
    assert_problem(status, headers, body, 413, "payload_too_large")


def test_twenty_concurrent_requests_all_succeed(runtime: Any) -> None:
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def call(i: int) -> None:
        key = runtime.admin_key if i % 2 else None
        status, headers, _ = runtime.request("GET", "/v1/me" if key else "/v1/health", key=key)
        with lock:
            results.append((status, headers.get("X-Request-Id")))

    threads = [threading.Thread(target=call, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert [s for s, _ in results] == [200] * 20
    assert len({rid for _, rid in results}) == 20


def test_concurrent_requests_never_share_a_log_line(runtime: Any) -> None:
    """Handlers run in threads of one process and log JSON lines to its stdout, metrics too (EMF, printed in two
    writes): every line the runtime wrote stays one record (intentbid_local.console)."""
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: runtime.request("GET", "/v1/health"), range(80)))
    records = [line for line in runtime.log().splitlines() if line.startswith("{")]
    assert records
    for line in records:
        json.loads(line)  # "Extra data" when two records share a line


def test_the_gateway_runs_requests_really_concurrently(tmp_path: Path) -> None:
    """Twenty requests meet at a barrier inside the handler: it only opens if all twenty are in flight at once."""
    from intentbid_local.gateway import Gateway, GatewayServer

    barrier = threading.Barrier(20, timeout=10)

    def health(event: dict[str, Any], context: Any) -> dict[str, Any]:
        barrier.wait()
        return {"statusCode": 200, "body": "met"}

    class Loader:
        def get(self, name: str) -> Any:
            return health if name == "health" else None

    server = GatewayServer(Gateway(Loader(), dashboard=tmp_path), port=0)
    server.start()
    statuses: list[int] = []
    try:

        def call() -> None:
            with urllib.request.urlopen(server.url + "/v1/health", timeout=20) as resp:
                statuses.append(resp.status)

        threads = [threading.Thread(target=call) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    finally:
        server.stop()
    assert statuses == [200] * 20


class EchoLoader:
    """Every route answers 200 with the length of the body it received (no AWS, no authorizer needed: public)."""

    def get(self, name: str) -> Any:
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            return {"statusCode": 200, "body": json.dumps({"received": len(event.get("body") or "")})}

        return handler


@pytest.fixture
def echo_server(tmp_path: Path) -> Any:
    from intentbid_local.gateway import Gateway, GatewayServer

    server = GatewayServer(Gateway(EchoLoader(), dashboard=tmp_path), port=0)
    server.start()
    yield server
    server.stop()


def send_raw(url: str, head: bytes, body: bytes) -> tuple[int, dict[str, Any]]:
    """Send a raw request and keep the connection open (the client never finishes the body): the answer must come
    without waiting for more input, or the read times out and the test fails."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=15) as sock:
        sock.sendall(head + b"\r\n" + body)
        resp = http.client.HTTPResponse(sock)
        resp.begin()
        payload = resp.read()
        return resp.status, (json.loads(payload) if payload else {})


CHUNKED = (
    b"POST /v1/vendors/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
)


@pytest.mark.parametrize(
    "chunks",
    [
        b"-1\r\n",  # negative: was read as "everything until the client hangs up", then 413
        b"-0\r\n",
        b"+5\r\nhello\r\n",
        b"zz\r\n",
        b"0x10\r\n",
        b"ffffffffffffffffffffffff\r\n",  # absurd: was 413 after the arithmetic; a malformed size is a 400
        b"1" * 5000 + b"\r\n",  # an endless size line
        b"5\r\nhello-and-more\r\n",  # a chunk longer than its size
    ],
)
def test_a_malformed_chunk_size_is_refused_at_once(echo_server: Any, chunks: bytes) -> None:
    status, body = send_raw(echo_server.url, CHUNKED, chunks)
    assert status == 400 and body["code"] == "invalid_request"


def test_a_chunked_body_over_the_limit_is_refused_before_it_is_read(echo_server: Any) -> None:
    from intentbid_local.gateway import MAX_BODY_BYTES

    status, body = send_raw(echo_server.url, CHUNKED, b"%x\r\n" % (MAX_BODY_BYTES + 1))  # no data follows
    assert status == 413 and body["code"] == "payload_too_large"


def test_a_well_formed_chunked_body_still_arrives(echo_server: Any) -> None:
    status, body = send_raw(echo_server.url, CHUNKED, b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n")
    assert status == 200 and body == {"received": 11}


def test_the_access_log_never_shows_a_share_token(echo_server: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="intentbid_local.gateway")
    token = "pub_" + uuid.uuid4().hex
    for path in (f"/v1/public/rfos/{token}", f"/v1/public/rfos/{token}/oops", f"/v1/public/rfos/{token}?x=1"):
        raw_get(echo_server.url, path)
    wait_for(lambda: len([r for r in caplog.records if r.name == "intentbid_local.gateway"]) >= 3, timeout=10)
    lines = [r.getMessage() for r in caplog.records if r.name == "intentbid_local.gateway"]
    assert token not in "\n".join(lines)
    assert any("GET /v1/public/rfos/{token} 200" in line for line in lines), lines


# --- docs and the dashboard


def test_docs_and_openapi_are_served_by_their_handlers(runtime: Any) -> None:
    status, headers, _ = runtime.request("GET", "/docs", headers={"Accept": "text/html"})
    assert status == 200
    assert headers.get("Content-Type", "").startswith("text/html")
    status, _, doc = runtime.request("GET", "/v1/openapi.json")
    assert status == 200
    assert "/v1/health" in doc["paths"]


def test_the_error_catalog_is_served_on_the_same_origin(runtime: Any) -> None:
    status, headers, page = runtime.request("GET", "/errors/validation_failed", headers={"Accept": "text/html"})
    assert status == 200 and headers.get("Content-Type") == "text/html; charset=utf-8"
    assert b"<code>validation_failed</code>" in page and b"How to fix it" in page
    assert "default-src 'none'" in headers.get("Content-Security-Policy", "")
    status, _, index = runtime.request("GET", "/errors")
    assert status == 200 and "validation_failed" in {d["code"] for d in index["data"]}


def test_a_real_problem_type_resolves_to_its_catalog_page(runtime: Any) -> None:
    request_url = runtime.url + "/v1/rfos/rfo_nope"
    status, headers, body = runtime.request("GET", "/v1/rfos/rfo_nope")  # no key: the gateway's own 401
    assert_problem(status, headers, body, 401, "unauthenticated")
    resolved = urllib.parse.urljoin(request_url, body["type"])  # RFC 9457: a URI reference, against the request URI
    assert resolved == runtime.url + "/errors/unauthenticated"
    status, _, page = runtime.request("GET", resolved.removeprefix(runtime.url), headers={"Accept": "text/html"})
    assert status == 200 and b"<code>unauthenticated</code>" in page


def test_a_typo_d_filter_is_refused_over_http(runtime: Any) -> None:
    buyer = register(runtime, "buyer")
    status, headers, body = runtime.request("GET", "/v1/rfos?stauts=OPEN", key=buyer["api_key"])
    assert_problem(status, headers, body, 400, "unknown_parameter")
    assert [e["field"] for e in body["errors"]] == ["stauts"] and "status" in body["errors"][0]["message"]
    status, _, page = runtime.request("GET", "/v1/rfos?status=OPEN&limit=5", key=buyer["api_key"])
    assert status == 200 and page["data"] == []


def test_the_dashboard_is_served_on_the_same_origin(runtime: Any) -> None:
    status, headers, body = runtime.request("GET", "/", headers={"Accept": "text/html"})
    assert status == 200
    assert headers.get("Content-Type") == "text/html; charset=utf-8"
    assert body == (REPO / "dashboard" / "index.html").read_bytes()
    assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", "")
    assert headers.get("X-Frame-Options") == "DENY"
    status, headers, _ = runtime.request("GET", "/dashboard/index.html", headers={"Accept": "text/html"})
    assert status == 200
    assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", "")
    _, headers, _ = runtime.request("GET", "/v1/health")
    assert headers.get("X-Content-Type-Options") == "nosniff" and "max-age=" in headers["Strict-Transport-Security"]


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/../pyproject.toml",
        "/dashboard/%2e%2e/pyproject.toml",
        "/dashboard/..%2fpyproject.toml",
        "/..%2fpyproject.toml",
        "/dashboard/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/dashboard/..%5c..%5cpyproject.toml",
    ],
)
def test_path_traversal_is_refused(runtime: Any, path: str) -> None:
    status, body = raw_get(runtime.url, path)
    assert status == 404
    assert b"[project]" not in body and b"root:" not in body


# --- pollers with the real workers


def test_an_outbox_record_reaches_the_real_dispatcher(runtime: Any) -> None:
    vendor = register(runtime, "vendor")
    key_id = vendor["key"]["key_id"]

    def dispatched() -> bool:
        return any('"outbox event"' in line and key_id in line for line in runtime.log().splitlines())

    assert wait_for(dispatched, 15), "the key.created outbox event never reached outbox_dispatch"


@pytest.mark.slow
def test_an_rfo_expires_through_state_machine_queue_and_worker(runtime: Any) -> None:
    buyer = register(runtime, "buyer")
    now = datetime.now(UTC)
    status, _, rfo = runtime.request(
        "POST",
        "/v1/rfos",
        key=buyer["api_key"],
        json=rfo_body(now, expires_in_s=2, need_by_in_s=DAY_S, title="expires soon", quantity=1, budget_max=1000),
    )
    assert status == 201, rfo
    ddb = runtime.aws("dynamodb")

    def stored_status() -> str:
        item = ddb.get_item(TableName="intentbid-local-rfos", Key={"id": {"S": rfo["id"]}})["Item"]
        return str(item["status"]["S"])

    # Generous: the worker answers "not due yet" for a message that arrives early, and SQS redelivers it
    # after the queue's visibility timeout.
    assert wait_for(lambda: stored_status() == "EXPIRED", 150, 0.5), stored_status()


# --- pollers with fake workers: the exact events and the failure semantics

FAKE_WORKERS = {
    "rfo_expire": """
        def handler(event, context):
            record("rfo_expire", event, context)
            return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]
                                          if json.loads(r["body"]).get("fail")]}
    """,
    "outbox_dispatch": """
        FAILED = set()

        def handler(event, context):
            record("outbox_dispatch", event, context)
            failures = []
            for r in event["Records"]:
                seq = r["dynamodb"]["SequenceNumber"]
                kind = r["dynamodb"].get("NewImage", {}).get("type", {}).get("S")
                if kind == "test.fail_once" and seq not in FAILED:
                    FAILED.add(seq)
                    failures.append({"itemIdentifier": seq})
            return {"batchItemFailures": failures}
    """,
}
FAKE_PRELUDE = """
    import json, os, time

    def record(name, event, context):
        line = json.dumps({"at": time.time(), "function_name": context.function_name,
                           "remaining_ms": context.get_remaining_time_in_millis(), "event": event})
        with open(os.path.join(os.environ["INTENTBID_TEST_SINK"], name + ".jsonl"), "a") as f:
            f.write(line + "\\n")
"""


class Sink:
    def __init__(self, path: Path) -> None:
        self.path = path

    def calls(self, function: str) -> list[dict[str, Any]]:
        f = self.path / f"{function}.jsonl"
        return [json.loads(line) for line in f.read_text().splitlines()] if f.exists() else []

    def records(self, function: str) -> list[dict[str, Any]]:
        return [r for c in self.calls(function) for r in c["event"]["Records"]]


@pytest.fixture(scope="module")
def fake_workers(runtime_factory: Callable[..., Any], tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Sink]:
    root = tmp_path_factory.mktemp("fake-functions")
    for name, body in FAKE_WORKERS.items():
        (root / name).mkdir()
        (root / name / "app.py").write_text(textwrap.dedent(FAKE_PRELUDE) + textwrap.dedent(body))
    sink = tmp_path_factory.mktemp("sink")
    rt = runtime_factory(
        "--extra-functions",
        str(root),
        "--visibility-timeout",
        "1",
        "--max-receive-count",
        "2",
        env={"INTENTBID_TEST_SINK": str(sink)},
    )
    return rt, Sink(sink)


def queue_url(rt: Any, name: str) -> str:
    return str(rt.aws("sqs").get_queue_url(QueueName=f"intentbid-local-{name}")["QueueUrl"])


def test_an_sqs_message_reaches_its_worker_as_a_lambda_sqs_event(fake_workers: tuple[Any, Sink]) -> None:
    rt, sink = fake_workers
    body = json.dumps({"rfo_id": f"rfo_{uuid.uuid4().hex}", "deadline_version": 1})
    sent = rt.aws("sqs").send_message(
        QueueUrl=queue_url(rt, "rfo-expiry"),
        MessageBody=body,
        MessageAttributes={"origin": {"DataType": "String", "StringValue": "e2e"}},
    )
    got = wait_for(lambda: [r for r in sink.records("rfo_expire") if r["messageId"] == sent["MessageId"]], 10)
    assert len(got) == 1
    rec = got[0]
    assert rec["body"] == body
    assert rec["eventSource"] == "aws:sqs"
    assert rec["eventSourceARN"] == "arn:aws:sqs:us-east-1:123456789012:intentbid-local-rfo-expiry"
    assert rec["awsRegion"] == "us-east-1"
    assert rec["md5OfBody"] == sent["MD5OfMessageBody"]
    assert rec["receiptHandle"]
    assert rec["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "ApproximateFirstReceiveTimestamp"} <= set(rec["attributes"])
    assert rec["messageAttributes"]["origin"]["stringValue"] == "e2e"
    assert rec["messageAttributes"]["origin"]["dataType"] == "String"
    call = next(c for c in sink.calls("rfo_expire") if rec in c["event"]["Records"])
    assert call["function_name"] == "intentbid-local-rfo_expire"
    assert call["remaining_ms"] > 0


def test_a_failed_sqs_message_is_redelivered_then_dead_lettered(fake_workers: tuple[Any, Sink]) -> None:
    rt, sink = fake_workers
    sqs = rt.aws("sqs")
    url = queue_url(rt, "rfo-expiry")
    bad = sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"fail": True, "n": uuid.uuid4().hex}))["MessageId"]
    good = sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": uuid.uuid4().hex}))["MessageId"]
    dlq = queue_url(rt, "rfo-expiry-dlq")

    def dead_lettered() -> bool:
        msgs = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=0).get("Messages", [])
        return any(m["MessageId"] == bad for m in msgs)

    assert wait_for(dead_lettered, 20, 0.5), "the failing message never reached the DLQ"
    deliveries = [r for r in sink.records("rfo_expire") if r["messageId"] == bad]
    assert [r["attributes"]["ApproximateReceiveCount"] for r in deliveries] == ["1", "2"]  # maxReceiveCount 2
    assert len([r for r in sink.records("rfo_expire") if r["messageId"] == good]) == 1  # deleted on success


def put_outbox(rt: Any, event_type: str) -> str:
    event_id = f"evt_{uuid.uuid4().hex}"
    rt.aws("dynamodb").put_item(
        TableName="intentbid-local-outbox",
        Item={
            "id": {"S": event_id},
            "type": {"S": event_type},
            "environment": {"S": "test"},
            "subject_id": {"S": "rfo_e2e"},
            "payload": {"S": "{}"},
            "created_at": {"S": "2026-01-01T00:00:00.000000+0000"},
            "expire_at": {"N": "1900000000"},
        },
    )
    return event_id


def records_for(sink: Sink, event_id: str) -> list[dict[str, Any]]:
    return [r for r in sink.records("outbox_dispatch") if r["dynamodb"]["Keys"]["id"]["S"] == event_id]


def test_a_stream_record_reaches_its_worker_as_a_lambda_stream_event(fake_workers: tuple[Any, Sink]) -> None:
    rt, sink = fake_workers
    event_id = put_outbox(rt, "test.plain")
    got = wait_for(lambda: records_for(sink, event_id), 10)
    assert len(got) == 1
    rec = got[0]
    stream_arn = rt.aws("dynamodb").describe_table(TableName="intentbid-local-outbox")["Table"]["LatestStreamArn"]
    assert rec["eventSourceARN"] == stream_arn
    assert (rec["eventName"], rec["eventSource"], rec["awsRegion"]) == ("INSERT", "aws:dynamodb", "us-east-1")
    assert rec["eventID"] and rec["eventVersion"]
    ddb = rec["dynamodb"]
    assert ddb["Keys"] == {"id": {"S": event_id}}
    assert ddb["NewImage"]["type"] == {"S": "test.plain"}
    assert ddb["NewImage"]["expire_at"] == {"N": "1900000000"}
    assert ddb["StreamViewType"] == "NEW_IMAGE"
    assert ddb["SequenceNumber"].isdigit() and ddb["SizeBytes"] > 0
    assert isinstance(ddb["ApproximateCreationDateTime"], (int, float))


def test_a_failed_stream_record_is_retried_from_its_sequence_number(fake_workers: tuple[Any, Sink]) -> None:
    rt, sink = fake_workers
    before = put_outbox(rt, "test.plain")
    failing = put_outbox(rt, "test.fail_once")
    after = put_outbox(rt, "test.plain")
    assert wait_for(lambda: len(records_for(sink, failing)) >= 2 and records_for(sink, after), 10)
    assert len(records_for(sink, failing)) == 2  # failed once, then succeeded on the retry
    assert len(records_for(sink, before)) == 1  # before the failure: checkpointed, never redelivered
    seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in sink.records("outbox_dispatch")]
    assert max(seqs) == int(records_for(sink, after)[-1]["dynamodb"]["SequenceNumber"])


def test_the_expiry_state_machine_sends_to_the_queue_at_the_deadline(fake_workers: tuple[Any, Sink]) -> None:
    rt, sink = fake_workers
    sfn = rt.aws("stepfunctions")
    arn = next(
        m["stateMachineArn"]
        for m in sfn.list_state_machines()["stateMachines"]
        if m["name"] == "intentbid-local-rfo-expiry"
    )
    rfo_id = f"rfo_{uuid.uuid4().hex}"
    deadline = datetime.now(UTC) + timedelta(seconds=2)
    sfn.start_execution(
        stateMachineArn=arn,
        name=f"{rfo_id}-v1",
        input=json.dumps({"rfo_id": rfo_id, "expires_at": rfc3339(deadline), "deadline_version": 1}),
    )

    def delivered() -> list[dict[str, Any]]:
        return [c for c in sink.calls("rfo_expire") for r in c["event"]["Records"] if rfo_id in r["body"]]

    got = wait_for(delivered, 15)
    assert got, "the state machine never sent the expiry message"
    assert json.loads(got[0]["event"]["Records"][0]["body"]) == {
        "rfo_id": rfo_id,
        "expires_at": rfc3339(deadline),
        "deadline_version": 1,
    }
    print(f"expiry message delivered {got[0]['at'] - deadline.timestamp():+.2f}s from the deadline")


# --- process lifecycle


def test_sigint_stops_the_runtime_with_exit_0(runtime_factory: Callable[..., Any]) -> None:
    rt = runtime_factory()
    port = urlsplit(rt.url).port
    started = time.monotonic()
    rc = rt.stop(signal.SIGINT, timeout=10)
    elapsed = time.monotonic() - started
    assert rc == 0, rt.log()[-3000:]
    assert elapsed < 10
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    print(f"stopped in {elapsed:.2f}s")


# --- the developer commands


def test_make_demo_plays_a_round_against_the_runtime(runtime: Any) -> None:
    """The round completes, raises no suspicious-activity flag (issue 11, item 4: its 60 s bidding window made
    every vendor a ``last_second_submission``), and says how to sign in as each demo user with their local keys."""
    from intentbid.config import FlagPolicy
    from intentbid.domain import flags

    done = subprocess.run(
        [sys.executable, "-m", "intentbid_local.demo", "--url", runtime.url],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Demo complete." in done.stdout
    assert "LOCAL DEMO KEYS" in done.stdout
    users = re.findall(r"^  (buyer|vendor) +(.+?) +(ib_live_\S+)$", done.stdout, flags=re.M)
    assert [kind for kind, _, _ in users] == ["buyer", "vendor", "vendor", "vendor"]
    for kind, _name, key in users:  # every printed key signs in as the kind it names
        status, _, me = runtime.request("GET", "/v1/me", key=key)
        assert status == 200 and me["kind"] == kind, me
    buyer_key = users[0][2]
    rfo_id = re.search(r"^  RFO (\S+): ", done.stdout, flags=re.M).group(1)  # type: ignore[union-attr]
    rfo = runtime.request("GET", f"/v1/rfos/{rfo_id}", key=buyer_key)[2]
    offers = runtime.request("GET", f"/v1/rfos/{rfo_id}/offers", key=buyer_key)[2]["data"]
    assert len(offers) == 3

    # the detectors the dispatcher runs, over the round's real timestamps (deterministic: no waiting for it)
    window = flags.RfoWindow(rfo_id, parse_rfc3339(rfo["created_at"]), parse_rfc3339(rfo["expires_at"]))
    samples = [
        flags.OfferSample(
            o["id"],
            o["vendor_id"],
            rfo_id,
            o["unit_price"],
            o["quantity_available"],
            parse_rfc3339(o["delivery_date"]),
            parse_rfc3339(o["submitted_at"]),
        )
        for o in offers
    ]
    assert flags.evaluate(window, samples, [], [], FlagPolicy()) == []
    raised = runtime.request("GET", "/v1/admin/flags?limit=100", key=runtime.admin_key)[2]["data"]
    assert [f for f in raised if f.get("rfo_id") == rfo_id] == []


@pytest.mark.parametrize(
    ("function", "event", "check"),
    [
        ("health", "health", lambda r: r["statusCode"] == 200),
        ("authorizer", "authorizer", lambda r: r["policyDocument"]["Statement"][0]["Effect"] == "Allow"),
    ],
)
def test_make_invoke_runs_one_handler_on_one_sample_event(function: str, event: str, check: Any) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "intentbid_local.invoke", function, f"events/{event}.json"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert check(json.loads(done.stdout))  # stdout is the result alone; logs go to stderr


def test_the_readme_api_example_runs_as_written(runtime: Any) -> None:
    """Issue 11, item 4: the README's "Calling the API" block, run by bash against the runtime as a new integrator
    would paste it (its dates are computed from today, so it cannot go stale), registers and posts an RFO."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = next(
        b for b in re.findall(r"^```bash\n(.*?)^```", readme, flags=re.S | re.M) if "/v1/rfos" in b and "curl" in b
    )
    script = block.replace("localhost:8080", runtime.url.removesuffix("/"))
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], check=False, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    rfo = json.loads(done.stdout.strip().splitlines()[-1])
    assert rfo["object"] == "rfo" and rfo["status"] == "OPEN", rfo


# --- the email channel and the local mail view


def test_an_award_emails_the_winner_and_the_local_mail_view_shows_it(runtime: Any) -> None:
    """The real pipeline in ``make dev``'s runtime: the award's offer.won reaches the email queue, the polled
    email worker sends through (moto's) SES, and ``/_local/mail`` shows it with its text and HTML parts."""
    buyer, vendor = register(runtime, "buyer"), register(runtime, "vendor")
    to = vendor["vendor"]["email"]
    status, _, rfo = runtime.request("POST", "/v1/rfos", json=rfo_body(), key=buyer["api_key"])
    assert status == 201, rfo
    status, _, offer = runtime.request("POST", f"/v1/rfos/{rfo['id']}/offers", json=offer_body(), key=vendor["api_key"])
    assert status == 201, offer
    status, _, out = runtime.request(
        "POST",
        f"/v1/rfos/{rfo['id']}/award",
        json={"offer_id": offer["id"]},
        key=buyer["api_key"],
        headers={"X-Correlation-Id": "e2e-mail-view"},
    )
    assert status == 200, out

    def mine() -> list[dict[str, Any]]:
        status, _, body = runtime.request("GET", "/_local/mail.json")
        assert status == 200
        return [m for m in body["messages"] if to in m["to"]]

    deadline = time.monotonic() + 30
    while not (got := mine()):
        assert time.monotonic() < deadline, "no email in the local mail view"
        time.sleep(0.2)
    (mail,) = got
    assert rfo["id"] in mail["subject"] and offer["id"] in mail["text"] and offer["id"] in mail["html"]
    assert mail["headers"]["X-Correlation-Id"] == "e2e-mail-view"
    status, headers, page = runtime.request("GET", "/_local/mail")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert mail["subject"].encode() in page and b"Plain text" in page
