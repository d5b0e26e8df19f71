"""Refused submissions stay O(1) however many rejections a vendor already has (issue 9, finding 6).

One vendor gets ``--rejections`` (default 1,000) refused submissions (400 ``availability_not_confirmed``: not a
limit violation, so no cooldown gets in the way); then refused and accepted submissions of that vendor are
timed and counted against a fresh vendor's, through the real handlers on in-process moto. Each row gives the
median and p95 latency, and the AWS calls and items read of one request: the calls and items of a refused
submission must not grow with the number of earlier rejections (``tests/integration/test_rejections_bench.py``
asserts that at a reduced size; timings are reported, never asserted).

    python bench/rejections.py                       # 1,000 rejections, 30 timed samples per row
    python bench/rejections.py --rejections 200 --samples 10

Prints a table and exits 0 (a bench reports; it never gates).
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aws_calls as calls
import benchlib

from intentbid_local.harness import invoke


@dataclass
class Row:
    """One kind of request: latencies of its samples, the calls of its last sample."""

    name: str
    status: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    ops: list[str] = field(default_factory=list)
    items_read: int = 0

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0

    @property
    def p95(self) -> float:
        xs = sorted(self.latencies_ms)
        return xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))] if xs else 0.0


def offer_body(now: datetime, *, refused: bool) -> dict[str, Any]:
    body = calls.offer_body(now)
    body["availability_confirmed"] = not refused  # refused: 400 availability_not_confirmed
    return body


class Bench:
    """Drives the handlers in-process (the kit's harness)."""

    def call(self, function: str, **kwargs: Any) -> tuple[int, Any]:
        status, _, body = invoke(function, **kwargs)
        return status, body or None

    def register(self, kind: str, name: str) -> dict[str, Any]:
        status, body = self.call(f"{kind}_register", body={"name": name, "email": f"{name.lower()}@example.com"})
        assert status == 201, body
        return calls.principal_of(body, kind)

    def rfo(self, buyer: dict[str, Any], title: str) -> str:
        body = {**calls.rfo_body(datetime.now(UTC)), "title": title}
        status, rfo = self.call("rfo_create", principal=buyer, body=body)
        assert status == 201, rfo
        return str(rfo["id"])

    def submit(self, vendor: dict[str, Any], rfo_id: str, *, refused: bool) -> int:
        body = offer_body(datetime.now(UTC), refused=refused)
        return self.call("offer_submit", principal=vendor, path={"rfo_id": rfo_id}, body=body)[0]

    def measure(
        self, row: Row, counter: Any, vendor: dict[str, Any], rfo_id: str, *, refused: bool, samples: int
    ) -> Row:
        """Time ``samples`` submissions; the calls are those of the first (the request at this point of the
        vendor's history: later samples add to it, e.g. a fresh vendor's 10th refusal raises a flag)."""
        for _ in range(samples):
            with counter.recording() as recorded:
                started = time.perf_counter()
                row.status = self.submit(vendor, rfo_id, refused=refused)
                row.latencies_ms.append((time.perf_counter() - started) * 1000)
            if not row.ops:
                row.ops = [c.operation if c.service == "dynamodb" else f"{c.service}:{c.operation}" for c in recorded]
                row.items_read = sum(c.items_read for c in recorded)
        return row


def run(counter: Any, *, rejections: int, samples: int) -> list[Row]:
    """Needs moto active, the tables created and ``counter`` installed. Rate limits and the hourly offer cap are
    the caller's to lift (``INTENTBID_*``): this measures the rejection path, not the throttles."""
    b = Bench()
    from intentbid.domain import clock

    start = datetime.now(UTC)
    tick = {"n": 0}

    def now() -> float:  # a clock that moves 1 ms per reading: rejections of one vendor, all within the hour
        tick["n"] += 1
        return (start + timedelta(milliseconds=tick["n"])).timestamp()

    clock.set_clock(now)
    try:
        buyer = b.register("buyer", "Buyer")
        fresh, busy = b.register("vendor", "Fresh"), b.register("vendor", "Busy")
        refused_rfo = b.rfo(buyer, "Refused here")
        warm, warm_rfo = b.register("vendor", "Warmup"), b.rfo(buyer, "Warm-up")
        b.submit(warm, refused_rfo, refused=True)  # cold imports and first-use setup are not what this measures
        for vendor in (fresh, busy):  # each key's first request of a window also writes its last_used_at
            assert b.submit(vendor, warm_rfo, refused=False) == 201
        fresh_row = b.measure(Row("refused, fresh vendor"), counter, fresh, refused_rfo, refused=True, samples=samples)
        for _ in range(rejections):
            b.submit(busy, refused_rfo, refused=True)
        busy_row = b.measure(
            Row(f"refused, after {rejections:,} rejections"), counter, busy, refused_rfo, refused=True, samples=samples
        )
        accepted = Row(f"accepted, after {rejections:,} rejections")
        for i in range((samples + 2) // 3):  # at most 3 offers per vendor and RFO
            b.measure(accepted, counter, busy, b.rfo(buyer, f"Accepted {i}"), refused=False, samples=min(3, samples))
        return [fresh_row, busy_row, accepted]
    finally:
        clock.set_clock(None)


def print_table(rows: list[Row]) -> None:
    header = ["request", "status", "samples", "p50 ms", "p95 ms", "AWS calls", "items read", "operations"]
    table = [
        [r.name, str(r.status), str(len(r.latencies_ms)), f"{r.p50:.1f}", f"{r.p95:.1f}", str(len(r.ops)),
         str(r.items_read), " + ".join(r.ops)]
        for r in rows
    ]  # fmt: skip
    widths = [max(len(x) for x in col) for col in zip(header, *table, strict=True)]
    for cells in (header, ["-" * w for w in widths], *table):
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rejections", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=30)
    args = parser.parse_args(argv)
    benchlib.offline(
        {
            "INTENTBID_RATE_LIMIT_VENDOR": "1000000/60",
            "INTENTBID_RATE_LIMIT_BUYER": "1000000/60",
            "INTENTBID_RATE_LIMIT_VENDOR_ACCOUNT": "1000000/60",
            "INTENTBID_RATE_LIMIT_BUYER_ACCOUNT": "1000000/60",
            "INTENTBID_MAX_OFFERS_PER_VENDOR_PER_HOUR": "0",
        }
    )
    counter = calls.CallCounter()
    # atomic: DynamoDB's transaction semantics (and no whole-table copy per transaction), as the tests
    with benchlib.moto_tables("intentbid-bench-", atomic=True):
        counter.install()
        try:
            started = time.perf_counter()
            rows = run(counter, rejections=args.rejections, samples=args.samples)
            seconds = time.perf_counter() - started
        finally:
            counter.uninstall()
    print(f"Refused vs accepted submissions after {args.rejections:,} rejections of one vendor (in-process moto)\n")
    print_table(rows)
    fresh, busy, accepted = rows
    same = fresh.ops == busy.ops and fresh.items_read == busy.items_read
    print()
    print(
        f"SUMMARY: refused p50 {fresh.p50:.1f} ms fresh vs {busy.p50:.1f} ms after {args.rejections:,} rejections "
        f"(accepted {accepted.p50:.1f} ms); calls/items of a refused submission "
        + ("unchanged" if same else f"GREW: {fresh.ops}/{fresh.items_read} -> {busy.ops}/{busy.items_read}")
        + f"; {seconds:.0f} s in all"
    )
    return 0


if __name__ == "__main__":
    benchlib.report(main)
