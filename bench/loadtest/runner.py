"""The load test's run: the mixed phase (every vendor's plan at once), the races, the verification through the
API, the report, and ``main`` (``bench/load.py``)."""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from intentbid_local import launcher
from intentbid_local.http_client import Connection, Pool, Response, connections, race, request
from intentbid_local.timefmt import epoch
from loadtest.model import Rules
from loadtest.scenario import (
    LoadConfig,
    Record,
    SetupError,
    VendorRun,
    World,
    create_rfo,
    expect,
    register,
    setup,
    valid_offer,
)

# --- races -------------------------------------------------------------------------------------------------


@dataclass
class RaceResult:
    name: str
    answers: Counter[tuple[int, str | None]]
    problems: list[str]


def tally(results: Iterable[Response | str]) -> Counter[tuple[int, str | None]]:
    return Counter((r.status, r.code) if isinstance(r, Response) else (0, r[:60]) for r in results)


def same_vendor_submission_race(world: World, config: LoadConfig, rules: Rules) -> RaceResult:
    """Several connections of each of several vendors submit at once on one fresh RFO: every vendor must
    get exactly ``max_offers_per_rfo`` offers admitted, the rest 429."""
    pool = Pool(world.url, 2)
    problems: list[str] = []
    try:
        rfo = create_rfo(pool, world.buyer, 3600, "load race")
        racers = [register(pool, "vendor", f"racer{i}") for i in range(config.race_vendors)]
    finally:
        pool.close()
    n = config.race_threads
    conns = connections(world.url, len(racers) * n)
    rng = random.Random(f"{config.seed}:race")
    bodies = [valid_offer(rng, rules, rfo) for _ in conns]
    calls = [
        (lambda c, a=racers[i // n], b=bodies[i]: c.request("POST", f"/v1/rfos/{rfo.id}/offers", b, key=a.key))
        for i in range(len(conns))
    ]
    results = race(conns, calls)
    admitted_ids: set[str] = set()
    for v, racer in enumerate(racers):
        mine = results[v * n : (v + 1) * n]
        ok = [r for r in mine if isinstance(r, Response) and r.status == 201]
        refused = [r for r in mine if isinstance(r, Response) and r.status == 429]
        admitted_ids |= {r.body["id"] for r in ok}
        want = min(n, rules.max_offers_per_rfo)
        if len(ok) != want:
            problems.append(f"race vendor {racer.id}: {len(ok)} admitted of {n} simultaneous submissions, want {want}")
        bad = [r for r in refused if r.code not in ("offer_limit_reached", "vendor_cooldown")]
        if len(ok) + len(refused) != n or bad:
            problems.append(f"race vendor {racer.id}: answers {dict(tally(mine))}")
    ranking = request(world.url, "GET", f"/v1/rfos/{rfo.id}/ranking", key=world.buyer.key)
    ranked = {row["offer_id"] for row in ranking.body.get("data", [])} if ranking.status == 200 else set()
    if ranked != admitted_ids:
        problems.append(f"race RFO ranking holds {len(ranked)} offers, {len(admitted_ids)} were admitted")
    for c in conns:
        c.close()
    return RaceResult(f"{len(racers)} vendors x {n} simultaneous submissions, one RFO", tally(results), problems)


def revision_race(world: World, config: LoadConfig, rules: Rules) -> RaceResult:
    """Several connections of one vendor revise the same offer at once, after the interval: exactly one
    revision is admitted; the others are refused (429 revision_cooldown, or 409 when they lost the
    conditional write to the winner)."""
    pool = Pool(world.url, 1)
    try:
        vendor = register(pool, "vendor", "reviser")
        rfo = create_rfo(pool, world.buyer, 3600, "load revision race")
        offer = expect(
            pool.request(
                "POST", f"/v1/rfos/{rfo.id}/offers", valid_offer(random.Random(0), rules, rfo), key=vendor.key
            ),
            201,
            "the revision race's offer",
        )
    finally:
        pool.close()
    time.sleep(max(0.0, epoch(offer["updated_at"]) + rules.revision_interval_s + 0.1 - time.time()))
    n = config.race_threads
    conns = connections(world.url, n)
    calls = [
        (
            lambda c, p=offer["unit_price"] - 1 - i: c.request(
                "PATCH", f"/v1/offers/{offer['id']}", {"unit_price": p}, key=vendor.key
            )
        )
        for i in range(n)
    ]
    results = race(conns, calls)
    for c in conns:
        c.close()
    problems = []
    answers = tally(results)
    ok = [r for r in results if isinstance(r, Response) and r.status == 200]
    allowed = {(429, "revision_cooldown"), (409, "offer_not_active")}
    if len(ok) != 1 or any(k not in allowed for k in answers if k[0] != 200):
        problems.append(f"revision race: want exactly one 200, the rest {sorted(allowed)}; got {dict(answers)}")
    final = request(world.url, "GET", f"/v1/offers/{offer['id']}", key=vendor.key)
    if ok and (final.body.get("revision") != 2 or final.body.get("unit_price") != ok[0].body.get("unit_price")):
        problems.append(f"revision race: the offer ended at {final.body!r}, the admitted revision was {ok[0].body!r}")
    return RaceResult(f"{n} simultaneous revisions of one offer", answers, problems)


# --- verification through the API --------------------------------------------------------------------------


def paged(conn: Connection, path: str, key: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        sep = "&" if "?" in path else "?"
        resp = conn.request("GET", f"{path}{sep}limit=100" + (f"&cursor={cursor}" if cursor else ""), key=key)
        if resp.status != 200:
            raise SetupError(f"GET {path}: {resp.status} {resp.body!r}")
        out += resp.body["data"]
        cursor = resp.body.get("next_cursor")
        if not cursor:
            return out


def verify(world: World, runs: list[VendorRun]) -> tuple[list[str], dict[str, int]]:
    """Each vendor's offers are exactly its accepted ones; every accepted offer is in its RFO's ranking with
    its last accepted price; no vendor holds more than the limit on an RFO."""
    problems: list[str] = []
    conn = Connection(world.url).connect()
    expected_prices: dict[str, int] = {world.foreign_offer["id"]: world.foreign_offer["unit_price"]}
    by_rfo: defaultdict[str, set[str]] = defaultdict(set)
    by_rfo[world.foreign_offer["rfo_id"]].add(world.foreign_offer["id"])
    listed_total = 1  # the foreign offer
    for run in runs:
        mine = {o.id for o in run.model.offers.values()}
        listed = paged(conn, f"/v1/vendors/{run.account.id}/offers", run.account.key)
        listed_ids = {o["id"] for o in listed}
        listed_total += len(listed_ids)
        if listed_ids != mine:
            problems.append(
                f"vendor {run.index}: the API lists {len(listed_ids)} offers, {len(mine)} were accepted "
                f"(missing {sorted(mine - listed_ids)[:3]}, extra {sorted(listed_ids - mine)[:3]})"
            )
        for rfo_id, n in Counter(o["rfo_id"] for o in listed).items():
            if n > run.rules.max_offers_per_rfo:
                problems.append(f"vendor {run.index}: {n} offers on {rfo_id}, over the limit")
        for o in run.model.offers.values():
            expected_prices[o.id] = o.unit_price
            by_rfo[o.rfo_id].add(o.id)
    ranked_total = 0
    for rfo in world.open_rfos:
        ranking = conn.request("GET", f"/v1/rfos/{rfo.id}/ranking", key=world.buyer.key)
        rows = {row["offer_id"]: row for row in ranking.body.get("data", [])} if ranking.status == 200 else {}
        ranked_total += len(rows)
        lost = by_rfo[rfo.id] - rows.keys()
        extra = rows.keys() - by_rfo[rfo.id]
        if lost or extra:
            problems.append(f"ranking of {rfo.id}: {len(lost)} accepted offers missing, {len(extra)} unknown ones")
        stale = [oid for oid in rows.keys() & by_rfo[rfo.id] if rows[oid]["unit_price"] != expected_prices[oid]]
        if stale:
            problems.append(f"ranking of {rfo.id}: {len(stale)} offers not at their last accepted price")
    conn.close()
    return problems, {"listed": listed_total, "ranked": ranked_total}


# --- the run -----------------------------------------------------------------------------------------------


@dataclass
class LoadReport:
    config: LoadConfig
    rules: Rules
    records: list[Record]
    duration_s: float
    races: list[RaceResult]
    counts: dict[str, int]
    problems: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def answered(self) -> list[Record]:
        return [r for r in self.records if r.response is not None]

    def latencies(self) -> list[float]:
        return sorted(r.response.latency_ms for r in self.answered if r.response)

    def by_status(self) -> Counter[str]:
        return Counter(f"{r.response.status} {r.response.code or ''}".strip() for r in self.answered if r.response)

    def table(self) -> str:
        return format_table(self)


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(p / 100 * len(sorted_values)) - 1))]


def run(url: str, config: LoadConfig, rules: Rules, log: Callable[[str], None] = print) -> LoadReport:
    config.validate(rules)
    world = setup(url, config, rules, log)
    runs = [VendorRun(i, a, world, config, rules) for i, a in enumerate(world.vendors)]
    conns = connections(url, len(runs))
    barrier = threading.Barrier(len(runs) + 1)
    deadline = time.monotonic() + config.max_seconds
    errors: list[str] = []

    def guarded(vr: VendorRun, conn: Connection) -> None:
        try:
            vr.run(conn, barrier, deadline)
        except Exception as exc:  # a bug in the bench itself must not look like a pass
            errors.append(f"vendor {vr.index} crashed: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=guarded, args=(vr, c)) for vr, c in zip(runs, conns, strict=True)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    duration = time.perf_counter() - started
    for c in conns:
        c.close()
    log(f"mixed load done in {duration:.1f}s; races and verification follow")
    records = [rec for vr in runs for rec in vr.records]
    races = [same_vendor_submission_race(world, config, rules), revision_race(world, config, rules)]
    verified, counts = verify(world, runs)
    problems = list(errors)
    planned = config.vendors * config.requests
    if len(records) != planned:
        problems.append(f"only {len(records)} of {planned} requests were sent within --max-seconds")
    problems += [f"5xx: {r.describe()}" for r in records if r.response and r.response.status >= 500]
    problems += [
        f"transport error: vendor {r.vendor} #{r.index} {r.method} {r.path}: {r.error}" for r in records if r.error
    ]
    problems += [
        f"unexpected: {r.describe()}" for r in records if r.mismatch and not (r.response and r.response.status >= 500)
    ]
    for race_result in races:
        problems += race_result.problems
    problems += verified
    accepted = sum(1 for r in records if r.response and r.response.status == 201) + 1  # + the foreign offer
    if counts["listed"] != accepted or counts["ranked"] != accepted:
        problems.append(
            f"{accepted} offers were admitted (201), the vendors' lists hold {counts['listed']}, "
            f"the rankings {counts['ranked']}"
        )
    counts |= {"accepted": accepted, "setup_requests": world.setup_requests}
    return LoadReport(config, rules, records, duration, races, counts, problems)


def format_table(rep: LoadReport) -> str:
    lat = rep.latencies()
    n = len(rep.records)
    answered = len(rep.answered)
    five = sum(1 for r in rep.answered if r.response and r.response.status >= 500)
    cooled = {r.vendor for r in rep.answered if r.response and r.response.code == "vendor_cooldown"}
    lines = [
        f"IntentBid load: {rep.config.vendors} vendors x {rep.config.requests} requests, seed {rep.config.seed}, "
        f"{rep.config.rfos} open RFOs; rules: {rep.rules.max_offers_per_rfo} offers/vendor/RFO, "
        f"{rep.rules.max_revisions} revisions/offer, {rep.rules.revision_interval_s} s between revisions, "
        f"cooldown after {rep.rules.cooldown_threshold} violations, per-key limit {rep.rules.vendor_quota_per_min}/min",
        "",
        f"  {'requests (mixed phase)':<34}{n:>10}",
        f"  {'answered':<34}{answered:>10}",
        f"  {'duration s':<34}{rep.duration_s:>10.2f}",
        f"  {'throughput req/s':<34}{(answered / rep.duration_s if rep.duration_s else 0):>10.1f}",
        f"  {'latency ms p50':<34}{percentile(lat, 50):>10.1f}",
        f"  {'latency ms p95':<34}{percentile(lat, 95):>10.1f}",
        f"  {'latency ms p99':<34}{percentile(lat, 99):>10.1f}",
        f"  {'latency ms max':<34}{(lat[-1] if lat else float('nan')):>10.1f}",
        f"  {'5xx':<34}{five:>10}",
        f"  {'transport errors':<34}{sum(1 for r in rep.records if r.error):>10}",
        f"  {'answers not as expected':<34}{sum(1 for r in rep.records if r.mismatch):>10}",
        f"  {'timing-ambiguous (both legal)':<34}{sum(1 for r in rep.answered if r.ambiguous):>10}",
        f"  {'offers admitted (201, + 1 setup)':<34}{rep.counts['accepted']:>10}",
        f"  {'  held in the vendors lists':<34}{rep.counts['listed']:>10}",
        f"  {'  in the buyer rankings':<34}{rep.counts['ranked']:>10}",
        f"  {'vendors cooling down (429 answers)':<34}{len(cooled):>10}",
        "",
        "  by status and code",
    ]
    for key, count in sorted(rep.by_status().items()):
        lines.append(f"    {key:<32}{count:>10}")
    lines += ["", "  by intent (answers)"]
    intents: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for r in rep.answered:
        if r.response:
            intents[r.intent][f"{r.response.status} {r.response.code or ''}".strip()] += 1
    for intent in sorted(intents):
        detail = ", ".join(f"{k} x{v}" for k, v in sorted(intents[intent].items()))
        lines.append(f"    {intent:<20}{sum(intents[intent].values()):>6}  {detail}")
    lines += ["", "  races"]
    for race_result in rep.races:
        detail = ", ".join(f"{s} {c or ''}".strip() + f" x{v}" for (s, c), v in sorted(race_result.answers.items()))
        lines.append(f"    {race_result.name}: {detail}  {'OK' if not race_result.problems else 'FAILED'}")
    for note in rep.notes:
        lines.append(f"  note: {note}")
    lines += ["", f"  checks: {'all passed' if not rep.problems else f'{len(rep.problems)} FAILED'}"]
    lines += [f"    - {p}" for p in rep.problems[:40]]
    if len(rep.problems) > 40:
        lines.append(f"    ... and {len(rep.problems) - 40} more")
    return "\n".join(lines)


def main(argv: list[str] | None = None, description: str = "") -> int:
    """``bench/load.py``'s command line (``description``: its docstring, whose first paragraph is the help)."""
    help_text = description.split("\n\n", maxsplit=1)[0]
    p = argparse.ArgumentParser(description=help_text, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--url", help="a running runtime (default: start one)")
    p.add_argument("--vendors", type=int, default=50)
    p.add_argument("--requests", type=int, default=40, help="per vendor")
    p.add_argument("--rfos", type=int, default=4, help="open RFOs")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-seconds", type=float, default=300.0)
    p.add_argument("--race-vendors", type=int, default=5)
    p.add_argument("--race-threads", type=int, default=8)
    p.add_argument("--revision-interval", type=int, default=Rules.revision_interval_s)
    p.add_argument("--max-revisions", type=int, default=Rules.max_revisions)
    p.add_argument("--vendor-quota", type=int, default=Rules.vendor_quota_per_min, help="per-key requests/min")
    p.add_argument("--print-env", action="store_true", help="print the runtime settings the rules assume")
    args = p.parse_args(argv)
    rules = Rules(
        revision_interval_s=args.revision_interval,
        max_revisions=args.max_revisions,
        vendor_quota_per_min=args.vendor_quota,
    )
    notes = []
    if args.url is None and args.requests + 2 > rules.vendor_quota_per_min:
        rules = Rules(
            revision_interval_s=args.revision_interval,
            max_revisions=args.max_revisions,
            vendor_quota_per_min=args.requests * 2,
        )
        notes.append(f"INTENTBID_RATE_LIMIT_VENDOR raised to {rules.vendor_quota_per_min}/60 for this run")
    if args.print_env:
        print("\n".join(f"{k}={v}" for k, v in rules.env().items()))
        return 0
    config = LoadConfig(
        vendors=args.vendors,
        requests=args.requests,
        rfos=args.rfos,
        seed=args.seed,
        max_seconds=args.max_seconds,
        race_vendors=args.race_vendors,
        race_threads=args.race_threads,
    )
    config.validate(rules)
    own = None
    url = args.url
    if url is None:
        print("starting a local runtime ...", flush=True)
        own = launcher.start(Path(tempfile.mkdtemp(prefix="intentbid-load-")), env=rules.env(), timeout_s=90)
        url = own.url
    elif urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        print("loopback only: --url must point at 127.0.0.1", file=sys.stderr)
        return 2
    try:
        report = run(url, config, rules, log=lambda s: print(s, flush=True))
    finally:
        if own is not None:
            own.stop()
    started = f" (started by this run; its log: {own.log_path})" if own else ""
    report.notes += [*notes, f"runtime {url}{started}"]
    print()
    print(report.table())
    return 1 if report.problems else 0
