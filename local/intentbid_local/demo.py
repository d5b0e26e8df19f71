"""``python -m intentbid_local.demo [--url URL]`` (``make demo``): one marketplace round over real HTTP.

A buyer and three vendors register, the buyer posts an RFO, each vendor offers, the buyer reads the ranking
and awards the best offer; a second RFO nobody awards expires at its deadline. Uses a runtime already
answering at ``--url`` (``make dev``), or starts one in this process. Prints what happened; exits 1 if any
step fails.

The round's RFO has a bidding window of a day (``BIDDING_WINDOW``) and is awarded while still open: offers made
seconds before a deadline are what ``last_second_submission`` flags, so a short window would greet a new admin
with a false alarm per vendor (issue 11). At the end it prints how to sign in as each demo user, with their
keys, only for a runtime on this machine that outlives the demo (``make dev``): they are local demo keys.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO
from urllib.parse import urlsplit

from intentbid_local import http_client
from intentbid_local.http_client import answers
from intentbid_local.testdata import CHAIR_OFFER, CHAIRS, DAY_S, offer_body, rfo_body, without
from intentbid_local.timefmt import at, parse_rfc3339

DEFAULT_URL = "http://127.0.0.1:8080"
EXPIRY_DEMO_S = 3
NEED_BY_DAYS = 14
DESKS = {"title": "20 standing desks", "quantity": 20, "budget_max": 1_000_000}  # the RFO nobody awards
BIDDING_WINDOW = timedelta(days=1)  # far from the deadline: no last_second_submission (its 60 s / 2 % rule)
VENDORS = (  # name, unit price (minor units), ETA days
    ("Northwind Seating", 21900, 6),
    ("Contoso Furniture", 19900, 12),
    ("Fabrikam Office", 23500, 3),
)


class StepFailed(Exception):
    pass


def expect_status(rfo: Any, status: str) -> None:
    if not isinstance(rfo, dict) or rfo.get("status") != status:
        raise StepFailed(f"RFO status is {rfo.get('status') if isinstance(rfo, dict) else rfo!r}, expected {status}")


class Client:
    def __init__(self, base: str, out: TextIO) -> None:
        self.base = base.rstrip("/")
        self.out = out

    def call(self, step: str, method: str, path: str, expect: int, body: Any = None, key: str | None = None) -> Any:
        headers = {"User-Agent": "intentbid-demo/1.0"}
        if body is not None:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        resp = http_client.request(self.base, method, path, body, key=key or None, headers=headers)
        status, payload = resp.status, resp.body
        if isinstance(payload, bytes):
            payload = payload.decode(errors="replace") or None
        mark = "ok " if status == expect else "FAIL"
        self.out.write(f"  {mark} {status} {method:<5} {path:<48} {step}\n")
        if status != expect:
            detail = payload.get("detail") or payload.get("code") if isinstance(payload, dict) else payload
            raise StepFailed(f"{step}: expected {expect}, got {status}: {detail}")
        return payload


def round_rfo(now: datetime) -> dict[str, Any]:
    """The round's RFO: its deadline a whole ``BIDDING_WINDOW`` away (the buyer awards it while it is open)."""
    window_s = BIDDING_WINDOW.total_seconds()
    return rfo_body(now, expires_in_s=window_s, need_by_in_s=NEED_BY_DAYS * DAY_S, **CHAIRS)


def round_offer(now: datetime, price: int, eta: int) -> dict[str, Any]:
    return offer_body(now, valid_for_s=30 * DAY_S, **CHAIR_OFFER | {"unit_price": price, "eta_days": eta})


def is_local(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def sign_in_help(out: TextIO, url: str, users: list[tuple[str, str, str]], *, lasting: bool) -> None:
    """How to sign in to the dashboard as each demo user: (kind, name, key)."""
    out.write("\nSign in as a demo user\n")
    if not lasting:
        out.write(
            "  The runtime this demo started stops with it: run `make dev`, then `make demo`, to sign in as them.\n"
        )
        return
    if not is_local(url):
        out.write(f"  {url} is not on this machine: the demo users' keys are not printed.\n")
        return
    out.write(
        f'  Open {url.rstrip("/")}/ and paste a key into "API key" (the dashboard knows who it is).\n'
        "  LOCAL DEMO KEYS: accounts this demo just made on your local runtime; they work nowhere else.\n\n"
    )
    for kind, name, key in users:
        out.write(f"  {kind:<7} {name:<20} {key}\n")


def play(client: Client, *, lasting: bool = True) -> None:
    out = client.out
    run_tag = uuid.uuid4().hex[:6]
    now = datetime.now(UTC)
    out.write("\nAccounts\n")
    buyer = client.call(
        "register the buyer",
        "POST",
        "/v1/buyers/register",
        201,
        {"name": "Acme Procurement", "email": f"buyer-{run_tag}@acme.example"},
    )
    buyer_key = buyer["api_key"]
    vendors = []
    for name, price, eta in VENDORS:
        reg = client.call(
            f"register vendor {name}",
            "POST",
            "/v1/vendors/register",
            201,
            {"name": name, "email": f"sales-{run_tag}@{name.split()[0].lower()}.example"},
        )
        vendors.append((reg["vendor"]["id"], name, reg["api_key"], price, eta))

    out.write("\nRFO\n")
    rfo = client.call(
        "the buyer posts an RFO",
        "POST",
        "/v1/rfos",
        201,
        round_rfo(now),
        key=buyer_key,
    )
    rfo_id = rfo["id"]

    out.write("\nOffers\n")
    for _vendor_id, name, key, price, eta in vendors:
        client.call(
            f"{name} offers {price / 100:.2f} USD/pcs, {eta} days",
            "POST",
            f"/v1/rfos/{rfo_id}/offers",
            201,
            round_offer(now, price, eta),
            key=key,
        )

    out.write("\nRanking\n")
    ranking = client.call("the buyer reads the ranking", "GET", f"/v1/rfos/{rfo_id}/ranking", 200, key=buyer_key)
    names = {v[0]: v[1] for v in vendors}
    out.write(
        f"\n  RFO {rfo_id}: {rfo['title']} (scoring {ranking.get('scoring_version')}, "
        f"weights {ranking.get('weights')})\n\n"
    )
    out.write(f"  {'rank':>4}  {'vendor':<20} {'unit price':>11}  {'delivery':<10} {'score':>9}  components\n")
    for row in ranking.get("data", []):
        price = row.get("unit_price")
        delivery = str(row.get("delivery_date", ""))[:10]
        components = ", ".join(f"{k}={v}" for k, v in (row.get("components") or {}).items())
        out.write(
            f"  {row['rank']:>4}  {names.get(row['vendor_id'], row['vendor_id']):<20} "
            f"{(price or 0) / 100:>11.2f}  {delivery:<10} {row['score']:>9}  {components}\n"
        )
    if len(ranking.get("data", [])) != len(vendors):
        raise StepFailed(f"ranking has {len(ranking.get('data', []))} rows, expected {len(vendors)}")

    out.write("\nAward\n")
    top = ranking["data"][0]
    awarded = client.call(
        f"the buyer awards {names.get(top['vendor_id'], top['vendor_id'])}'s offer",
        "POST",
        f"/v1/rfos/{rfo_id}/award",
        200,
        {"offer_id": top["offer_id"], "reason": "best score"},
        key=buyer_key,
    )
    expect_status(awarded, "AWARDED")

    out.write(f"\nExpiry (an RFO nobody awards, deadline in {EXPIRY_DEMO_S} s)\n")
    soon = client.call(
        "the buyer posts a short RFO",
        "POST",
        "/v1/rfos",
        201,
        without(round_rfo(now), "description") | DESKS | {"expires_at": at(seconds=EXPIRY_DEMO_S)},
        key=buyer_key,
    )
    time.sleep(max(0.0, (parse_rfc3339(soon["expires_at"]) - datetime.now(UTC)).total_seconds()) + 1)
    after = client.call("the deadline has passed", "GET", f"/v1/rfos/{soon['id']}", 200, key=buyer_key)
    expect_status(after, "EXPIRED")

    users = [("buyer", "Acme Procurement", buyer_key)] + [("vendor", v[1], v[2]) for v in vendors]
    sign_in_help(out, client.base, users, lasting=lasting)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m intentbid_local.demo", description=__doc__)
    p.add_argument("--url", default=DEFAULT_URL, help=f"a running runtime (default {DEFAULT_URL})")
    args = p.parse_args(argv)
    out = sys.stdout
    runtime = None
    url = args.url
    if not answers(url):
        from intentbid_local.console import line_writer
        from intentbid_local.runtime import LocalRuntime

        # The handlers' JSON logs and metrics print to stdout: keep them out of the demo's table.
        log = tempfile.NamedTemporaryFile("w", prefix="intentbid-demo-", suffix=".log", delete=False)  # noqa: SIM115
        sys.stdout = line_writer(log)  # one write per line from the handlers' threads
        ours = logging.getLogger("intentbid_local")
        ours.addHandler(logging.StreamHandler(sys.stdout))
        ours.propagate = False
        runtime = LocalRuntime()
        info = runtime.start(port=0)
        url = info.url
        out.write(
            f"No runtime at {args.url}; started one at {url} in {info.startup_s:.1f}s (handler logs: {log.name})\n"
        )
    else:
        out.write(f"Using the runtime at {url}\n")
    try:
        play(Client(url, out), lasting=runtime is None)
    except StepFailed as exc:
        out.write(f"\nDemo failed: {exc}\n")
        return 1
    except (OSError, KeyError, TypeError, ValueError) as exc:
        out.write(f"\nDemo failed: {type(exc).__name__}: {exc}\n")
        return 1
    finally:
        if runtime is not None:
            runtime.stop()
            sys.stdout = out
    out.write("\nDemo complete.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
