"""Logs and metrics of real handler invocations: correlation id and principal on every line, no secrets,
EMF metrics for requests, RFOs created and offers submitted."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers import create_rfo, register, submit
from lambda_harness import invoke

pytestmark = pytest.mark.usefixtures("aws")


def lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_every_log_line_carries_correlation_and_principal_and_never_the_key(app_logs: Any) -> None:
    buyer = register("buyer")
    app_logs.clear()
    invoke(
        "rfo_create",
        principal=buyer,
        headers={"X-Correlation-Id": "corr-123", "Authorization": f"Bearer {buyer['api_key']}"},
        body={"title": buyer["api_key"]},
    )  # a secret pasted into a field is not logged either
    logs = app_logs.records()
    assert len(logs) >= 2
    for rec in logs:
        assert rec["correlation_id"] == "corr-123"
        assert rec["principal_id"] == buyer["id"] and rec["key_id"] == buyer["key_id"]
    assert buyer["api_key"] not in app_logs.text


def test_registration_logs_never_contain_the_new_key(app_logs: Any, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, body = invoke("vendor_register", body={"name": "V", "email": "v@example.com"})
    assert any(r["message"] == "account registered" for r in app_logs.records())
    assert body["api_key"][8:] not in app_logs.text + capsys.readouterr().out


def test_emf_metrics_for_requests_rfos_and_offers(capsys: pytest.CaptureFixture[str]) -> None:
    buyer, vendor = register("buyer"), register("vendor")
    capsys.readouterr()
    rfo = create_rfo(buyer)
    submit(vendor, rfo["id"])
    invoke("rfo_get", principal=buyer, path={"rfo_id": "rfo_nope"})
    emf = [rec for rec in lines(capsys.readouterr().out) if "_aws" in rec]
    names = [m["Name"] for rec in emf for d in rec["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]]
    assert names.count("Requests") == 3
    assert names.count("RfosCreated") == 1 and names.count("OffersSubmitted") == 1
    assert names.count("Errors4xx") == 1
    assert all(rec["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "IntentBid" for rec in emf)
