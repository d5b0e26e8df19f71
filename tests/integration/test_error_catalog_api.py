"""GET /errors and GET /errors/{code} through their handlers: every problem's ``type`` names a page that exists."""

from __future__ import annotations

import json

import pytest
from helpers import register
from lambda_harness import api_event, call, invoke

from intentbid.http import catalog

pytestmark = pytest.mark.usefixtures("aws")


def test_the_index_is_html_with_a_strict_policy_and_lists_every_code() -> None:
    status, headers, body = invoke("errors", headers={"Accept": "text/html"})
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in headers["Content-Security-Policy"] and headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert all(f"errors/{x.code}'" in body for x in catalog.ENTRIES)


def test_the_index_and_an_entry_are_json_by_accept() -> None:
    status, headers, body = invoke("errors", headers={"Accept": "application/json"})
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert {d["code"] for d in body["data"]} == set(catalog.BY_CODE)
    status, _, entry = invoke("error_entry", path={"code": "rfo_not_open"}, headers={"Accept": "application/json"})
    assert status == 200
    assert entry["status"] == 409 and entry["meaning"] and entry["fix"] and entry["type"] == "/errors/rfo_not_open"
    assert entry["example"]["code"] == "rfo_not_open" and entry["example"]["status"] == 409


def test_a_real_problem_s_type_is_a_page() -> None:
    buyer = register("buyer")
    status, _, problem = invoke("rfo_get", principal=buyer, path={"rfo_id": "rfo_missing"})
    assert status == 404 and problem["type"] == "/errors/not_found"
    code = problem["type"].removeprefix("/errors/")
    status, headers, page = invoke("error_entry", path={"code": code})
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "<code>not_found</code>" in page and "How to fix it" in page and "404" in page


def test_an_unknown_code_is_a_404_problem_that_does_not_echo_it() -> None:
    probe = "<script>alert(1)</script>"
    status, headers, body = invoke("error_entry", path={"code": probe})
    assert status == 404 and headers["Content-Type"] == "application/problem+json"
    assert body["code"] == "not_found" and probe not in json.dumps(body)


def test_on_the_execute_api_url_the_type_carries_the_stage() -> None:
    event = api_event("error_entry", path={"code": "nope"})
    event["requestContext"] |= {"domainName": "abc123.execute-api.eu-west-1.amazonaws.com", "stage": "prod"}
    result = call("error_entry", event)
    assert json.loads(result["body"])["type"] == "/prod/errors/not_found"
    event["requestContext"] |= {"domainName": "api.example.com"}  # a custom domain mapped at its root
    result = call("error_entry", event)
    assert json.loads(result["body"])["type"] == "/errors/not_found"
