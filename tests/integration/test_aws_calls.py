"""AWS API calls per request: deterministic performance facts (counted, never timed).

A realistic marketplace round (``bench/aws_calls.py``, the same round the bench prints) is played through the
real handlers on in-process moto; every botocore API call of each measured request is recorded - PynamoDB's
included - and pinned here exactly. A change in these numbers is a change in cost and latency per request:
update the expectation deliberately, in the same commit, with the reason.

Each request must also stay within its function's IAM (``intentbid.permissions.ACCESS``): a table touched
without a grant there works on moto and fails with AccessDenied (a 500) in AWS.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from lambda_harness import api_event, load_function

from intentbid.permissions import ACCESS

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "intentbid-test-"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_aws_calls", ROOT / "bench" / "aws_calls.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


bench = _bench()

# row -> the exact operations, in order ("Operation" on DynamoDB, "service:Operation" elsewhere)
TX, GET, QUERY = "TransactWriteItems", "GetItem", "Query"
EXPECTED: dict[str, list[str]] = {
    "health": [],
    "ready": ["DescribeTable"] * 5,  # one per table: accounts, api-keys, offers, outbox, rfos
    "openapi": [],
    "docs": [],
    "vendor_register": [TX],
    "buyer_register": [TX],
    "authorizer (valid key)": [GET],
    "authorizer (unknown key)": [GET],
    "authorizer (malformed key)": [],  # never reaches the table
    "me": [],
    "rfo_create": [TX, "stepfunctions:StartExecution"],
    "rfo_list (buyer)": [QUERY],
    "rfo_list (vendor)": [QUERY],
    "rfo_get (buyer)": [GET],
    "rfo_get (vendor)": [GET],
    "offer_submit": [GET, TX],
    "offer_list (buyer)": [GET, QUERY],
    "offer_list (vendor)": [GET, QUERY],
    "offer_get (vendor)": [QUERY],
    "offer_get (buyer)": [QUERY, GET],
    "offer_revise": [QUERY, GET, TX],
    "ranking": [GET, QUERY],
    "vendor_offers": [QUERY],
    "offer_withdraw": [QUERY, TX],
    "rfo_expire (due RFO)": [GET, TX],
    "outbox_dispatch (1 event)": [],
}

_results: list[Any] = []


@pytest.fixture
def measured(aws: None) -> dict[str, Any]:
    """The round's measurements by row name (played once per process, on the first test's moto)."""
    if not _results:
        counter = bench.CallCounter()
        counter.install()
        try:
            _results.extend(bench.play_round(api_event, load_function, counter))
        finally:
            counter.uninstall()
    return {m.name: m for m in _results}


def test_every_route_and_the_authorizer_is_measured(measured: dict[str, Any]) -> None:
    from intentbid.routes import ROUTES

    functions = {m.function for m in measured.values()}
    assert {r.function for r in ROUTES} | {"authorizer"} <= functions
    assert set(measured) == set(EXPECTED)


def test_every_measured_request_answered_as_expected(measured: dict[str, Any]) -> None:
    wrong = {name: m.status for name, m in measured.items() if m.status != bench.expected_status(m)}
    assert wrong == {}


def test_offer_submission_is_one_read_and_one_transaction(measured: dict[str, Any]) -> None:
    m = measured["offer_submit"]
    assert m.dynamodb <= 2 and m.other == 0
    assert m.ops() == [GET, TX]
    read, tx = m.calls
    assert read.tables == ((PREFIX + "rfos", "read"),)
    # the RFO re-checked inside the transaction, the offer and its outbox event written with it
    assert sorted(tx.tables) == sorted(
        [(PREFIX + "rfos", "read"), (PREFIX + "offers", "write"), (PREFIX + "outbox", "write")]
    )


def test_the_authorizer_makes_exactly_one_get_item(measured: dict[str, Any]) -> None:
    m = measured["authorizer (valid key)"]
    assert m.ops() == [GET]
    assert m.calls[0].tables == ((PREFIX + "api-keys", "read"),)


def test_every_state_change_is_one_transaction(measured: dict[str, Any]) -> None:
    writes = {"vendor_register", "buyer_register", "rfo_create", "offer_submit", "offer_revise", "offer_withdraw"}
    for name in writes:
        ops = measured[name].ops()
        assert ops.count(TX) == 1, (name, ops)
        assert not {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"} & set(ops), (name, ops)


@pytest.mark.parametrize("row", sorted(EXPECTED))
def test_exact_calls_per_request(measured: dict[str, Any], row: str) -> None:
    assert measured[row].ops() == EXPECTED[row], measured[row].operations(PREFIX)


@pytest.mark.parametrize("row", sorted(EXPECTED))
def test_tables_touched_are_within_the_functions_iam(measured: dict[str, Any], row: str) -> None:
    m = measured[row]
    assert m.access_violations(PREFIX) == {}, (
        f"{row} uses {m.table_access(PREFIX)}; ACCESS[{m.function!r}] grants only {dict(ACCESS[m.function].tables)}"
    )
