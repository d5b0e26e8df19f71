"""bench/cost.py's arithmetic: DynamoDB's size and unit rules, Lambda's 1 ms billing, SQS chunks (no timing)."""

from __future__ import annotations

import cost


def test_item_size_follows_dynamodb_rules() -> None:
    assert cost.item_size({"id": {"S": "abc"}}) == 2 + 3
    assert cost.item_size({"n": {"N": "12345"}}) == 1 + 3 + 1  # 5 significant digits -> 3 bytes, + 1
    assert cost.item_size({"n": {"N": "1000"}}) == 1 + 1 + 1  # trailing zeros trimmed
    assert cost.item_size({"b": {"BOOL": True}, "z": {"NULL": True}}) == 2 + 2
    assert cost.item_size({"m": {"M": {"k": {"S": "v"}}}}) == 1 + 3 + (1 + 1 + 1)  # 3 overhead, 1 per element
    assert cost.item_size({"l": {"L": []}}) == 1 + 3
    assert cost.item_size({"é": {"S": "é"}}) == 4  # UTF-8 bytes


def test_units_round_up_and_transactions_double() -> None:
    assert cost.write_units(1) == 1
    assert cost.write_units(1024) == 1
    assert cost.write_units(1025) == 2
    assert cost.write_units(1025, transactional=True) == 4
    assert cost.read_units(0) == 0.5  # an eventually consistent read of nothing still costs half a unit
    assert cost.read_units(4097) == 1.0
    assert cost.read_units(4096, consistent=True) == 1.0
    assert cost.read_units(100, transactional=True) == 2.0


def test_lambda_billing_rounds_up_to_a_millisecond() -> None:
    assert cost.billed_ms(0.2) == 1
    assert cost.billed_ms(12.01) == 13
    assert cost.lambda_usd(1024, 1000) == cost.LAMBDA_REQUEST + cost.LAMBDA_ARM_GB_S


def test_sqs_chunks_and_log_events() -> None:
    assert cost.sqs_requests(100) == 1
    assert cost.sqs_requests(65537) == 2
    assert cost.log_bytes(["ab", "c"]) == 3 + 2 * cost.LOG_EVENT_OVERHEAD


def test_infra_facts_are_read_from_its_source() -> None:
    sizes = cost.infra_memory()
    assert set(sizes) == {"API_FUNCTION", "AUTHORIZER_FUNCTION", "WORKER_FUNCTION"}
    assert cost.authorizer_ttl_s() >= 0
    assert "requestId" in cost.access_log_fields()
    assert cost.expiry_transitions() == 2  # Wait, then the SQS task


def test_sampling_and_platform_lines_follow_infra(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    values = {"XRAY_RESERVOIR_PER_S": 1, "XRAY_FIXED_RATE": 0.01, "LAMBDA_SYSTEM_LOG_LEVEL": "WARN"}
    monkeypatch.setattr(cost, "infra_constant", values.__getitem__)
    monkeypatch.setattr(cost, "API_REQUESTS_PER_S", 10.0)
    assert abs(cost.xray_sampled_share() - (1 + 0.01 * 9) / 10) < 1e-12
    monkeypatch.setattr(cost, "API_REQUESTS_PER_S", 0.5)
    assert cost.xray_sampled_share() == 1.0  # under the reservoir every request is traced
    assert cost.platform_lines(512, 10) == []  # JSON format at system level WARN: no START/END/REPORT
    values["LAMBDA_SYSTEM_LOG_LEVEL"] = "INFO"
    assert len(cost.platform_lines(512, 10)) == 3
