"""Property test (hypothesis, stateful): random sequences of buyer actions, vendor submissions and the passing
of time, through the real handlers on moto. The observed status always follows the transition table, and an
offer is accepted exactly when the RFO is OPEN and before its deadline."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from helpers import offer_body, rfo_body
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from lambda_harness import invoke
from moto import mock_aws

from intentbid import config
from intentbid.domain import clock
from intentbid.domain.lifecycle import EXPIRED, OPEN, TRANSITIONS
from intentbid.http import idempotency
from intentbid.store import base
from intentbid.store.tables import create_all
from intentbid_local import moto_atomic
from intentbid_local.timefmt import parse_rfc3339, rfc3339

T0 = datetime(2031, 1, 1, tzinfo=UTC)
WORLD: dict[str, Any] = {}


@pytest.fixture(scope="module", autouse=True)
def world() -> Iterator[None]:
    # This test is about the transition table, not the anti-abuse limits: hundreds of requests by two keys
    # within minutes of simulated time would trip them.
    limits = {
        "INTENTBID_RATE_LIMIT_BUYER": "0",
        "INTENTBID_RATE_LIMIT_VENDOR": "0",
        "INTENTBID_MAX_OFFERS_PER_VENDOR_PER_RFO": "0",
        "INTENTBID_MAX_OFFERS_PER_VENDOR_PER_HOUR": "0",
    }
    saved = {k: os.environ.get(k) for k in limits}
    os.environ.update(limits)
    config.settings.cache_clear()
    moto_atomic.install()
    with mock_aws():
        base.bind("intentbid-prop-")
        idempotency.reset()
        create_all(boto3.client("dynamodb"))
        clock.set_clock(lambda: WORLD["now"].timestamp())  # noqa: PLW0108 - WORLD["now"] moves
        WORLD["now"] = T0
        for kind in ("buyer", "vendor"):
            _, _, body = invoke(f"{kind}_register", body={"name": kind, "email": f"{kind}@example.com"})
            WORLD[kind] = {"kind": kind, "id": body[kind]["id"], "scopes": body["key"]["scopes"]}
        yield
        clock.set_clock(None)
        base.bind("intentbid-test-")
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    config.settings.cache_clear()


class Lifecycle(RuleBasedStateMachine):
    """The model is the table itself plus the deadline: what the table says must be what the API does."""

    @initialize()
    def post_rfo(self) -> None:
        WORLD["now"] += timedelta(days=1)
        self.deadline = WORLD["now"] + timedelta(minutes=30)
        body = rfo_body(expires_at=rfc3339(self.deadline), need_by=rfc3339(self.deadline + timedelta(days=5)))
        status, _, rfo = invoke("rfo_create", principal=WORLD["buyer"], body=body)
        assert status == 201
        self.rfo_id, self.status, self.deleted, self.offers = rfo["id"], OPEN, False, []

    def expected(self) -> str:
        if self.status in ("OPEN", "CLOSED") and WORLD["now"] >= self.deadline:
            return EXPIRED
        return self.status

    def act(self, action: str, body: dict[str, Any] | None) -> None:
        fn = "rfo_delete" if action == "delete" else f"rfo_{action}"
        status, _, out = invoke(fn, principal=WORLD["buyer"], path={"rfo_id": self.rfo_id}, body=body)
        current = self.expected()
        if self.deleted:
            assert status == 404
            return
        allowed = current in TRANSITIONS[action].sources
        if action == "award" and not self.offers:
            assert status == (404 if allowed else 409)
            return
        if action == "reopen" and allowed and body and body["expires_at"] <= rfc3339(WORLD["now"]):
            assert status == 400
            return
        assert (status in (200, 204)) is allowed, (action, current, status, out)
        if not allowed:
            assert out["code"] == "invalid_transition" and out["rfo_status"] == current
        elif action == "delete":
            self.deleted = True
        else:
            self.status = TRANSITIONS[action].target
            assert out["status"] == self.status
            if action == "reopen":
                self.deadline = parse_rfc3339(body["expires_at"])  # type: ignore[index]

    @rule()
    def close(self) -> None:
        self.act("close", {"reason": "prop"})

    @rule(minutes=st.integers(-5, 120))
    def reopen(self, minutes: int) -> None:
        self.act("reopen", {"expires_at": rfc3339(WORLD["now"] + timedelta(minutes=minutes))})

    @rule()
    def award(self) -> None:
        self.act("award", {"offer_id": self.offers[0] if self.offers else "off_01ARZ3NDEKTSV4RRFFQ69G5FAV"})

    @rule()
    def delete(self) -> None:
        self.act("delete", None)

    @rule()
    def submit_offer(self) -> None:
        body = offer_body(valid_until=rfc3339(WORLD["now"] + timedelta(days=30)))
        status, _, out = invoke("offer_submit", principal=WORLD["vendor"], path={"rfo_id": self.rfo_id}, body=body)
        if self.deleted:
            assert status == 404
            return
        accepted = self.expected() == OPEN
        assert (status == 201) is accepted, (self.expected(), status, out)
        if accepted:
            self.offers.append(out["id"])
        else:
            assert out["code"] == ("rfo_expired" if self.expected() == EXPIRED else "rfo_not_open")

    @rule(minutes=st.sampled_from([1, 10, 29, 45]))
    def time_passes(self, minutes: int) -> None:
        WORLD["now"] += timedelta(minutes=minutes)

    @invariant()
    def status_is_what_the_table_says(self) -> None:
        if not hasattr(self, "rfo_id"):
            return
        status, _, rfo = invoke("rfo_get", principal=WORLD["buyer"], path={"rfo_id": self.rfo_id})
        if self.deleted:
            assert status == 404
        else:
            assert status == 200 and rfo["status"] == self.expected()


Lifecycle.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
test_lifecycle_follows_the_table = Lifecycle.TestCase
