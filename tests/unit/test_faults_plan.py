"""The fault plan (intentbid_local.faults) and the transient-error map (intentbid.store.transient)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from intentbid.store.port import TransactionConflict
from intentbid.store.transient import unavailable
from intentbid_local.faults import FaultPlan, PlanError


def test_a_plan_parses_and_refuses_unknown_names_and_shares_out_of_range() -> None:
    plan = FaultPlan.parse("gsi_lag_ms=200, throttle=0.05,tx_conflict=0.1,seed=7")
    assert (plan.gsi_lag_ms, plan.throttle, plan.tx_conflict, plan.seed) == (200, 0.05, 0.1, 7)
    assert plan.active and not FaultPlan.parse("").active
    for bad in ("throttle=2", "nonsense=1", "throttle", "gsi_lag_ms=x"):
        with pytest.raises(PlanError):
            FaultPlan.parse(bad)


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "ThrottlingException"])
def test_a_throttle_is_a_503_with_retry_after(code: str) -> None:
    exc = ClientError({"Error": {"Code": code, "Message": "slow down"}}, "PutItem")
    wrapped = RuntimeError("Failed to save in progress record")  # as Powertools wraps it
    wrapped.__cause__ = exc
    busy = unavailable(wrapped)
    assert busy is not None and (busy.status, busy.code, busy.retry_after) == (503, "service_unavailable", 1)


def test_a_transaction_conflict_is_a_503_and_a_bug_is_not() -> None:
    assert unavailable(TransactionConflict()) is not None
    assert unavailable(KeyError("x")) is None
    assert unavailable(ClientError({"Error": {"Code": "ValidationException"}}, "PutItem")) is None
