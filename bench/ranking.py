"""Ranking cost: CPU time per in-process ranking of 100, 1,000 and 10,000 synthetic offers, per scoring version,
against the target (<= 50 ms for 10,000), and an ESTIMATE of the DynamoDB reads one full ranking takes; then the
stored-score path (issue 12): per RFO size 100 / 1,000 / 10,000 / 100,000, the write-time cost per offer and the
MEASURED cost of the first ranking page (in-process moto), against the target (<= 5 ms CPU, <= 2 DynamoDB calls).

    python bench/ranking.py [--runs N] [--sizes 100,1000,10000,100000]

CPU time is ``time.process_time`` around one ``scoring.rank(...)`` call (the full result: every offer's score,
components, contributions, penalties and tie-break), the median of several runs after a warm-up; the synthetic
offers are worst-case for memoisation (distinct prices and microsecond delivery dates). The machine's load
average is printed with the table: other processes on the same cores inflate CPU time too.

DynamoDB: a ranking reads the RFO's offers with one paginated, strongly consistent Query on the offers table (no
Scan); a Query page holds at most 1 MB. Pages and read units are ESTIMATED here from the item size of a typical
offer item (sizes per the DynamoDB item-size rules); the measured figure comes from the integration bench.

Exits 0: a bench reports, it does not gate.
"""

from __future__ import annotations

import argparse
import builtins
import gc
import math
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "shared" / "python"))

from intentbid.domain import scoring  # noqa: E402

SIZES = (100, 1_000, 10_000)
TARGET_MS = 50.0  # for 10,000 offers
T0 = datetime(2026, 3, 1, tzinfo=UTC)
RFO = scoring.RfoTerms(
    "rfo_01JBENCH00000000000000000000", 100, 1_000_000, T0 + timedelta(days=20), T0, T0 + timedelta(days=5)
)


def synthetic_offers(n: int, seed: int = 7) -> list[scoring.OfferInput]:
    """n offers: prices around the budget per unit (some over), partial and full quantities, deliveries from early
    to late at microsecond resolution, validity before and after the deadline, 70 % vendors with a history."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        stats = None
        if rnd.random() < 0.7:
            awarded = rnd.randint(0, 60)
            on_time = rnd.randint(0, awarded)
            late = rnd.randint(0, awarded - on_time)
            stats = scoring.VendorStats(
                offers=awarded + rnd.randint(0, 200),
                awarded=awarded,
                delivered_on_time=on_time,
                delivered_late=late,
                defaulted=rnd.randint(0, awarded - on_time - late),
            )
        out.append(
            scoring.OfferInput(
                offer_id=f"off_01JBENCH{i:017d}",
                vendor_id=f"ven_01JBENCH{i % (n // 2 + 1):017d}",
                unit_price=rnd.randint(4_000, 14_000),
                quantity_available=rnd.choice((100, 100, 100, 150, rnd.randint(1, 99))),
                delivery_date=T0 + timedelta(microseconds=rnd.randint(86_400 * 10**6, 25 * 86_400 * 10**6)),
                submitted_at=T0 + timedelta(microseconds=rnd.randint(0, 4 * 86_400 * 10**6)),
                valid_until=T0 + timedelta(days=rnd.choice((4, 5, 7, 14, 30))),
                vendor_stats=stats,
            )
        )
    return out


def cpu_ms(version: scoring.ScoringVersion, offers: list[scoring.OfferInput], runs: int) -> tuple[float, float]:
    weights = scoring.normalise_weights(version, None)
    scoring.rank(version, RFO, offers, weights)  # warm-up
    samples = []
    for _ in range(runs):
        gc.collect()
        t = time.process_time()
        scoring.rank(version, RFO, offers, weights)
        samples.append((time.process_time() - t) * 1000)
    return statistics.median(samples), min(samples)


# --- DynamoDB estimate ------------------------------------------------------------------------------------------

PAGE_BYTES = 1024 * 1024
RCU_BYTES = 4096


def _number_size(value: int) -> int:
    """DynamoDB stores numbers as up to 38 significant digits: about 1 byte per 2 digits, plus 1."""
    digits = len(str(abs(value)).rstrip("0")) or 1
    return math.ceil(digits / 2) + 1


def offer_item_size(notes_chars: int = 100, stats_snapshot: bool = True) -> int:
    """Bytes of one typical offer item (attribute names + values), as the offers table stores it."""
    ts = "2026-03-11T00:00:00.000000+0000"  # PynamoDB UTCDateTimeAttribute
    strings = {
        "rfo_id": "rfo_" + "0" * 26,
        "id": "off_" + "0" * 26,
        "vendor_id": "ven_" + "0" * 26,
        "environment": "live",
        "status": "active",
        "currency": "USD",
        "delivery_date": ts,
        "valid_until": ts,
        "submitted_at": ts,
        "updated_at": ts,
        "notes": "n" * notes_chars,
    }
    numbers = {"unit_price": 12_345, "quantity_available": 100, "revision": 1}
    if stats_snapshot:  # the vendor's history snapshotted onto the offer at submission (see the note below)
        numbers |= {"vs_offers": 240, "vs_awarded": 60, "vs_on_time": 55, "vs_late": 4, "vs_defaulted": 1}
    size = sum(len(k) + len(v.encode()) for k, v in strings.items())
    size += sum(len(k) + _number_size(v) for k, v in numbers.items())
    size += len("availability_confirmed") + 1  # boolean
    return size


def query_estimate(n: int, item_bytes: int) -> tuple[int, int]:
    """(Query pages, strongly consistent read units) to read n items of item_bytes."""
    per_page = PAGE_BYTES // item_bytes
    pages = max(1, math.ceil(n / per_page))
    rcu = 0
    left = n
    for _ in range(pages):
        k = min(per_page, left)
        rcu += math.ceil(k * item_bytes / RCU_BYTES)
        left -= k
    return pages, rcu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=0, help="runs per row (default: 41 / 15 / 9 by size)")
    parser.add_argument("--sizes", default="100,1000,10000,100000", help="RFO sizes of the stored-score table")
    args = parser.parse_args(argv)
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f}; CPU time per ranking = median (min) of N runs of scoring.rank(...)"
    )
    print()
    header = f"{'version':<12} {'offers':>7} {'runs':>5} {'median ms':>10} {'min ms':>8} {'us/offer':>9}  target"
    print(header)
    print("-" * len(header))
    versions = [scoring.get_version(v) for v in ("v1", "v2", "v2-relative")]
    for version in versions:
        for n in SIZES:
            offers = synthetic_offers(n)
            runs = args.runs or {100: 41, 1_000: 15, 10_000: 9}[n]
            med, best = cpu_ms(version, offers, runs)
            verdict = ""
            if n == 10_000:
                verdict = f"<= {TARGET_MS:.0f} ms: {'met' if med <= TARGET_MS else 'MISSED'}"
            label = version.version + (" (opt-in)" if version.relative else "")
            print(f"{label:<12} {n:>7,} {runs:>5} {med:>10.2f} {best:>8.2f} {med * 1000 / n:>9.2f}  {verdict}")
    print()
    item = offer_item_size()
    bare = offer_item_size(notes_chars=0, stats_snapshot=False)
    big = offer_item_size(notes_chars=2_000)
    print(
        "DynamoDB reads per ranking - ESTIMATE (not measured): one paginated strongly consistent Query on the "
        "offers table (partition = rfo_id), 1 MB pages, 4 KB per read unit"
    )
    print(
        f"  item size estimate: {item} B typical (100-char notes + history snapshot), {bare} B bare, {big} B max notes"
    )
    header = f"  {'offers':>7} {'pages':>6} {'RCU':>6} {'pages (max notes)':>18} {'RCU (max notes)':>16}"
    print(header)
    for n in SIZES:
        pages, rcu = query_estimate(n, item)
        pages_big, rcu_big = query_estimate(n, big)
        print(f"  {n:>7,} {pages:>6} {rcu:>6} {pages_big:>18} {rcu_big:>16}")
    print(
        "  v2 also needs each vendor's history: snapshotted onto the offer item (as estimated above) it costs no "
        "extra read;\n  read live instead, it is BatchGetItem of ceil(distinct vendors / 100) calls, e.g. 100 for "
        "10,000 offers from 10,000 vendors."
    )
    print()
    stored_scores_table([int(x) for x in args.sizes.split(",") if x])
    return 0


# --- stored scores: write-time cost, first page read (measured on in-process moto) ------------------------------

PAGE = 20
PAGE_TARGET_MS, PAGE_TARGET_CALLS = 5.0, 2


def _attr_bytes(value: dict[str, Any]) -> int:
    """Bytes of one DynamoDB attribute value (the item-size rules: strings UTF-8, numbers ~1 byte per 2 digits)."""
    ((kind, v),) = value.items()
    if kind == "S":
        return len(v.encode())
    if kind == "N":
        return _number_size(int(float(v))) if v.replace(".", "").lstrip("-").isdigit() else len(v)
    if kind in {"BOOL", "NULL"}:
        return 1
    if kind == "M":
        return 3 + sum(len(k) + _attr_bytes(x) for k, x in v.items())
    if kind == "L":
        return 3 + sum(1 + _attr_bytes(x) for x in v)
    return len(str(v))


def item_bytes(item: dict[str, Any]) -> int:
    return sum(len(k) + _attr_bytes(v) for k, v in item.items())


def stored_scores_table(sizes: list[int]) -> None:
    """One v2 RFO grown to each size (offers written as a submission writes them, in bulk through the store), then
    ``ranking.rank(limit=20)`` - the service behind ``GET /v1/rfos/{id}/ranking?limit=20`` - measured: CPU
    (process time minus the time inside botocore calls, i.e. minus moto and the SDK's HTTP layer), DynamoDB calls
    and the read units of what they read."""
    import boto3  # noqa: F401  (moto's patching needs boto3 loaded before the store binds)

    sys.path.insert(0, str(ROOT / "local"))
    sys.path.insert(0, str(ROOT / "bench"))
    import aws_calls
    import benchlib

    benchlib.offline()
    out = sys.stdout  # moto_tables sends stdout to stderr (the handlers' logs): the table goes here
    with benchlib.moto_tables("intentbid-bench-"):
        _stored_scores_rows(sizes, aws_calls.CallCounter(), out)


def _stored_scores_rows(sizes: list[int], counter: Any, out: Any) -> None:  # noqa: PLR0915 - one table
    def print(*args: Any, **kwargs: Any) -> None:
        builtins.print(*args, **kwargs, file=out, flush=True)

    from intentbid.domain import ids
    from intentbid.domain.principal import KIND_SCOPES, Principal
    from intentbid.schemas.ranking import RankingQuery
    from intentbid.services import ranking, scores
    from intentbid.store.models.offers import OfferModel
    from intentbid.store.models.rfos import RfoModel

    now = datetime.now(UTC).replace(microsecond=0)
    buyer = Principal("buyer", ids.new_id("buy"), ids.new_id("key"), KIND_SCOPES["buyer"], "live")
    rfo = RfoModel(
        ids.new_id("rfo"),
        buyer_id=buyer.id,
        environment="live",
        status="OPEN",
        list_key="live#OPEN",
        title="Bench",
        category="office-supplies",
        quantity=RFO.quantity,
        unit="box",
        budget_max=RFO.budget_max,
        currency="USD",
        delivery_region="eu-west",
        need_by=now + timedelta(days=20),
        expires_at=now + timedelta(days=5),
        scoring_version="v2",
        weights={k: scoring.fmt(v) for k, v in scoring.normalise_weights(scoring.get_version("v2"), None).items()},
        created_at=now,
        updated_at=now,
        weights_generation=1,
        ranking_status="current",
    )
    rfo.save()
    shift = now - T0  # the synthetic offers, moved to this RFO's time frame (all still valid)

    def offer_model(o: scoring.OfferInput) -> OfferModel:
        return OfferModel(
            rfo.id,
            ids.new_id("off"),
            vendor_id=o.vendor_id,
            vendor_name="Vendor " + o.vendor_id[-6:],
            environment="live",
            status="active",
            unit_price=o.unit_price,
            currency="USD",
            quantity_available=o.quantity_available,
            delivery_date=o.delivery_date + shift,
            availability_confirmed=True,
            valid_until=now + timedelta(days=30),
            revision=1,
            submitted_at=o.submitted_at + shift,
            updated_at=now,
        )

    print(
        "Stored scores (v2; issue 12): write-time cost per offer, and the FIRST PAGE of the ranking "
        f"(limit={PAGE}) read from the by_rank index - measured, in-process moto"
    )
    print(
        "  write: CPU to score one offer at submit/revise (scores.fields_for), bytes the stored score adds to the item;"
        " the submission's calls are unchanged (GetItem + TransactWriteItems)"
    )
    print(
        "  read:  CPU of ranking.rank(limit=20) minus the time inside botocore calls (moto + the SDK's HTTP layer), "
        "median of 15; DynamoDB calls; RCU = strongly consistent, ceil(items read x item size / 4 KB) per call"
    )
    header = (
        f"  {'offers':>8} {'write us/offer':>15} {'+bytes/item':>12} {'page ms CPU':>12} {'calls':>6} "
        f"{'items read':>11} {'RCU':>5} {'full ms CPU':>12}  target (<= {PAGE_TARGET_MS:.0f} ms, <= "
        f"{PAGE_TARGET_CALLS} calls)"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    written = 0
    worst_ms, worst_calls = 0.0, 0
    for n in sorted(sizes):
        fresh = synthetic_offers(n - written, seed=n)
        models = [offer_model(o) for o in fresh]
        t = time.process_time()
        fields = [scores.fields_for(rfo, scores.input_of(m)) for m in models]
        write_us = (time.process_time() - t) * 1e6 / max(1, len(models))
        started = time.perf_counter()
        # in bulk, straight into moto's table (the items a submission writes, serialised by the model): what
        # the Query then reads is exactly what the API would have written, without 100,000 HTTP round trips
        table = _moto_table(OfferModel.Meta.table_name)
        for m, f in zip(models, fields, strict=True):
            assert f is not None
            for k, v in f.items():
                setattr(m, k, v)
            table.put_item(m.serialize())
        written = n
        builtins.print(f"inserted up to {n:,} offers in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        added = sum(len(k) + len(str(v).encode()) for k, v in (fields[0] or {}).items())
        ranking.rank(buyer, rfo.id, RankingQuery(limit=PAGE))  # warm-up
        samples, calls = [], []
        counter.install()
        in_calls = _cpu_in_calls()
        try:
            for _ in range(15):
                gc.collect()
                with counter.recording() as recorded:
                    t, inside = time.process_time(), in_calls[0]
                    page = ranking.rank(buyer, rfo.id, RankingQuery(limit=PAGE))
                    spent = time.process_time() - t - (in_calls[0] - inside)
                samples.append(spent * 1000)
                calls = list(recorded)
            full = ""
            if n <= 1_000:  # the old path for comparison: every offer read and scored on each request
                t, inside = time.process_time(), in_calls[0]
                ranking.rank(buyer, rfo.id)
                full = f"{(time.process_time() - t - (in_calls[0] - inside)) * 1000:.1f}"
        finally:
            in_calls.clear()
            counter.uninstall()
        assert len(page.data) == min(PAGE, n) and page.ranking_status == "current"
        dynamo = [c for c in calls if c.service == "dynamodb"]
        read_items = sum(c.items_read for c in dynamo)
        # read units count the whole item (a projection does not lower them): the items as stored
        full_item = statistics.mean(item_bytes(m.serialize()) for m in models[:200])
        rcu = sum(
            max(1, math.ceil(c.items_read * (full_item if c.operation == "Query" else 600) / RCU_BYTES)) for c in dynamo
        )
        med = statistics.median(samples)
        worst_ms, worst_calls = max(worst_ms, med), max(worst_calls, len(dynamo))
        ok = med <= PAGE_TARGET_MS and len(dynamo) <= PAGE_TARGET_CALLS
        ops = "+".join(c.operation for c in dynamo)
        print(
            f"  {n:>8,} {write_us:>15.1f} {added:>12} {med:>12.2f} {len(dynamo):>6} {read_items:>11} {rcu:>5} "
            f"{full:>12}  {'met' if ok else 'MISSED'} ({ops})"
        )
    print(
        "  full: the full computation (no limit; also v2-relative, an RFO recomputing or from before stored scores),"
        " same CPU rule, O(offers):\n    for comparison (see the v2 table above for 10,000). A weights change "
        f"recomputes in the background: 1 TransactWriteItems per {scores_batch()} offers (2 WCU per offer item)."
    )
    verdict = "met" if worst_ms <= PAGE_TARGET_MS and worst_calls <= PAGE_TARGET_CALLS else "MISSED"
    print(
        f"SUMMARY: first ranking page <= {worst_ms:.2f} ms CPU and <= {worst_calls} DynamoDB calls at every size "
        f"(target <= {PAGE_TARGET_MS:.0f} ms, <= {PAGE_TARGET_CALLS}): {verdict}"
    )


def _moto_table(name: str) -> Any:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[DEFAULT_ACCOUNT_ID][os.environ["AWS_DEFAULT_REGION"]].get_table(name)


def _cpu_in_calls() -> list[float]:
    """Process time spent inside botocore API calls from now on (moto's work in-process, and the SDK's HTTP
    layer), accumulated in the returned one-element list; clear the list to stop counting."""
    import botocore.client

    total = [0.0]
    inner = botocore.client.BaseClient._make_api_call

    def timed(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if not total:
            return inner(client, operation, params)
        t = time.process_time()
        try:
            return inner(client, operation, params)
        finally:
            if total:
                total[0] += time.process_time() - t

    botocore.client.BaseClient._make_api_call = timed  # type: ignore[method-assign]  # undone by uninstall
    return total


def scores_batch() -> int:
    from intentbid.services import scores

    return scores.BATCH


if __name__ == "__main__":
    raise SystemExit(main())
