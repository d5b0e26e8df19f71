"""Webhooks end to end in the local runtime (``make dev``'s, with a compressed retry schedule): a real receiver
on 127.0.0.1 verifies every delivery with the ``standardwebhooks`` library, sees a retry after a 503 with the
same webhook-id, a 410 disabling its endpoint, and a slow receiver not delaying another."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook as Verifier

from intentbid_local.testdata import rfo_body
from intentbid_local.webhook_receiver import Receiver

ENV = {
    "INTENTBID_WEBHOOK_RETRY_SCHEDULE": "0,1,1",
    "INTENTBID_WEBHOOK_RETRY_JITTER_PCT": "0",
    "INTENTBID_WEBHOOK_CONNECT_TIMEOUT_S": "1",
    "INTENTBID_WEBHOOK_TIMEOUT_S": "2",
    "INTENTBID_AUTH_FAILURES_PER_MINUTE": "0",
}


@pytest.fixture(scope="module")
def rt(runtime_factory: Callable[..., Any]) -> Any:
    return runtime_factory(env=ENV)


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


def register(rt: Any, kind: str, name: str) -> dict[str, Any]:
    status, _, body = rt.request("POST", f"/v1/{kind}s/register", {"name": name, "email": f"{name}@hooks.example"})
    assert status == 201, body
    return {"id": body[kind]["id"], "key": body["api_key"]}


def endpoint(rt: Any, who: dict[str, Any], url: str) -> dict[str, Any]:
    status, _, body = rt.request("POST", "/v1/webhooks", {"url": url, "events": ["rfo.created"]}, key=who["key"])
    assert status == 201, body
    return {"id": body["webhook"]["id"], "secret": body["secret"]}


def until(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError("not reached in time")
        time.sleep(0.1)


def test_signed_deliveries_retry_disable_and_isolation(rt: Any, rx: Receiver) -> None:
    buyer = register(rt, "buyer", "hookbuyer")
    vendors = {name: register(rt, "vendor", f"hook{name}") for name in ("flaky", "gone", "slow", "fast")}
    rx.script("/flaky", 503, then=200)
    rx.script("/gone", then=410)
    rx.script("/slow", then=(200, {}, 6.0))  # past the 2 s deadline
    rx.script("/fast", then=200)
    hooks = {name: endpoint(rt, v, rx.url(f"/{name}")) for name, v in vendors.items()}
    status, _, rfo = rt.request(
        "POST", "/v1/rfos", rfo_body(), key=buyer["key"], headers={"X-Correlation-Id": "e2e-hooks"}
    )
    assert status == 201, rfo

    flaky = rx.wait_for(lambda got: len([r for r in got if r.path == "/flaky"]) >= 2, timeout=30)
    tries = [r for r in flaky if r.path == "/flaky"]
    assert tries[0].headers["webhook-id"] == tries[1].headers["webhook-id"]
    assert tries[1].at - tries[0].at >= 0.9  # the schedule's second entry (1 s), by message visibility
    for r in tries:
        payload = Verifier(hooks["flaky"]["secret"]).verify(r.body, r.headers)
        assert payload["type"] == "rfo.created" and payload["data"]["object"]["id"] == rfo["id"]
        assert r.headers["x-correlation-id"] == "e2e-hooks"
    with pytest.raises(Exception):  # noqa: B017 - another endpoint's secret does not verify
        Verifier(hooks["fast"]["secret"]).verify(tries[0].body, tries[0].headers)

    def gone_disabled() -> bool:
        status, _, body = rt.request("GET", f"/v1/webhooks/{hooks['gone']['id']}", key=vendors["gone"]["key"])
        return status == 200 and body["status"] == "disabled" and body["disabled_reason"] == "gone"

    until(gone_disabled)
    assert len(rx.to("/gone")) == 1  # a 410 is never retried

    slow, fast = rx.to("/slow")[0], until(lambda: rx.to("/fast"))[0]
    assert fast.at - slow.at < 1.5  # the fast receiver did not wait for the slow one's deadline

    status, _, page = rt.request("GET", f"/v1/webhooks/{hooks['flaky']['id']}/deliveries", key=vendors["flaky"]["key"])
    assert status == 200, page
    until(
        lambda: (
            rt.request("GET", f"/v1/webhooks/{hooks['flaky']['id']}/deliveries", key=vendors["flaky"]["key"])[2][
                "data"
            ][0]["status"]
            == "succeeded"
        )
    )
    status, _, page = rt.request("GET", f"/v1/webhooks/{hooks['flaky']['id']}/deliveries", key=vendors["flaky"]["key"])
    (d,) = page["data"]
    assert d["attempt"] == 2 and d["response_status"] == 200 and d["event_id"] == tries[0].headers["webhook-id"]
