"""Browser fixtures: Debian's Chromium driven by Playwright against the real local runtime.

The ``runtime`` fixture is the e2e suite's (``tests/e2e/conftest.py``), loaded by file path because the test
folders are not packages: the browser tests reuse the same runtime process, URL and bootstrap admin key.
"""

from __future__ import annotations

import importlib.util
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from dashboard_ui import REVISION_INTERVAL_S, TIMEZONE, rfc3339

from intentbid_local.testdata import offer_body, rfo_body

CHROMIUM = os.environ.get("INTENTBID_CHROMIUM", "/usr/bin/chromium")
# The machine's closed network: no QUIC, no background fetches, no component or sync updates.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _load_e2e_conftest() -> Any:
    path = Path(__file__).resolve().parents[1] / "e2e" / "conftest.py"
    spec = importlib.util.spec_from_file_location("intentbid_e2e_conftest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_e2e = _load_e2e_conftest()
runtime = _e2e.runtime
runtime_factory = _e2e.runtime_factory


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        # Not a skip: CI refuses skipped tests, and a missing browser is a broken machine, not an option.
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make chromium` (tools/install_chromium.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@contextmanager
def _page(browser: Any, base_url: str) -> Iterator[Any]:
    """A fresh context (its own sessionStorage), failing the test on any uncaught page error or any request
    that leaves the runtime's origin."""
    context = browser.new_context(
        base_url=base_url, locale="en-US", timezone_id=TIMEZONE, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    errors: list[str] = []
    foreign: list[str] = []
    context.route(
        lambda url: not url.startswith(base_url), lambda route: (foreign.append(route.request.url), route.abort())
    )
    p = context.new_page()
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    p.on(
        "console", lambda msg: errors.append(msg.text) if msg.type == "error" and not _is_http_error(msg.text) else None
    )
    yield p
    context.close()
    assert not errors, f"errors in the page: {errors}"
    assert not foreign, f"requests outside the API's origin: {foreign}"


@pytest.fixture
def page(browser: Any, runtime: Any) -> Iterator[Any]:
    with _page(browser, runtime.url) as p:
        yield p


@pytest.fixture(scope="session")
def quick_runtime(runtime_factory: Any) -> Any:
    """A second runtime, whose offers may be revised every ``REVISION_INTERVAL_S`` seconds (the default is 30)."""
    return runtime_factory(env={**_e2e.SESSION_ENV, "INTENTBID_REVISION_MIN_INTERVAL_S": str(REVISION_INTERVAL_S)})


@pytest.fixture
def quick_page(browser: Any, quick_runtime: Any) -> Iterator[Any]:
    with _page(browser, quick_runtime.url) as p:
        yield p


@pytest.fixture(scope="session")
def quick_api(quick_runtime: Any) -> Api:
    return Api(quick_runtime)


def _is_http_error(text: str) -> bool:
    # Chromium logs every 4xx/5xx fetch to the console; the tests provoke some on purpose.
    return text.startswith("Failed to load resource: the server responded with a status of")


class Account:
    def __init__(self, kind: str, id_: str, key: str) -> None:
        self.kind, self.id, self.key = kind, id_, key


class Api:
    """Set-up through the public API, where the UI is not what a test is about."""

    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime

    def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, key: str | None = None, expect: int = 200
    ) -> dict[str, Any]:
        status, _headers, data = self.runtime.request(method, path, json=body, key=key)
        assert status == expect, (method, path, status, data)
        assert isinstance(data, dict), data
        return data

    def status(
        self, method: str, path: str, body: dict[str, Any] | None = None, key: str | None = None
    ) -> tuple[int, Any, Any]:
        """(status, headers, body) without asserting: for answers a test expects to be refused."""
        return self.runtime.request(method, path, json=body, key=key)  # type: ignore[no-any-return]

    def register(self, kind: str) -> Account:
        """A new vendor or buyer. Registration is throttled per source IP (the local runtime allows 1000 an
        hour): flows that change an account's state (keys, cooldowns, rejections) register their own."""
        tag = uuid.uuid4().hex[:10]
        body = {"name": f"Browser {kind} {tag}", "email": f"{kind}-{tag}@example.com"}
        data = self.call("POST", f"/v1/{kind}s/register", body, expect=201)
        return Account(kind, data[kind]["id"], data["api_key"])

    def create_rfo(self, buyer: Account, **overrides: Any) -> dict[str, Any]:
        """An open RFO in EUR, in a category of its own (so a vendor can filter the list down to it)."""
        body = (
            rfo_body(
                title="Nitrile gloves, size M",
                category=f"cat-{uuid.uuid4().hex[:8]}",
                quantity=500,
                unit="boxes",
                budget_max=500_000,
                currency="EUR",
                delivery_region="EU-DE",
                need_by=rfc3339(timedelta(days=20)),
                expires_at=rfc3339(timedelta(days=5)),
            )
            | overrides
        )
        return self.call("POST", "/v1/rfos", body, key=buyer.key, expect=201)

    def submit_offer(self, vendor: Account, rfo_id: str, **overrides: Any) -> dict[str, Any]:
        body = (
            offer_body(
                unit_price=950,
                currency="EUR",
                quantity_available=500,
                eta_days=4,
                valid_until=rfc3339(timedelta(days=3)),
            )
            | overrides
        )
        return self.call("POST", f"/v1/rfos/{rfo_id}/offers", body, key=vendor.key, expect=201)


@pytest.fixture(scope="session")
def api(runtime: Any) -> Api:
    return Api(runtime)


@pytest.fixture(scope="session")
def buyer(api: Api) -> Account:
    return api.register("buyer")


@pytest.fixture(scope="session")
def vendor(api: Api) -> Account:
    return api.register("vendor")


@pytest.fixture(scope="session")
def rival(api: Api) -> Account:
    """A second vendor, for rankings with more than one offer."""
    return api.register("vendor")
