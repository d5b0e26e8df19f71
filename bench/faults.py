"""The fault matrix: fault x scenario -> outcome. One local runtime per fault (intentbid_local.faults); on each,
the marketplace round (index reads right after writes, an award swept by the outbox dispatcher, an RFO expired
by the expiry worker, the stored offers, audit entries and outbox events compared in full) and the load
scenario (bench/loadtest, every answer checked against the rules model), driven by a careful client
(http_client.client_retries). See bench/loadtest/faultmatrix.py.

    .venv/bin/python bench/faults.py [--vendors 50 --requests 40] [--only throttle,gsi_lag]

Defaults: the load scenario at its full size (``make bench-load``'s 50 vendors x 40 requests).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadtest import faultmatrix, scenario
from loadtest.model import Rules

from intentbid_local import launcher


def main() -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--vendors", type=int, default=50, help="load scenario vendors")
    p.add_argument("--requests", type=int, default=40, help="load scenario requests per vendor")
    p.add_argument("--round-vendors", type=int, default=3)
    p.add_argument("--only", default="", help="comma-separated fault names")
    args = p.parse_args()
    names = [n for n in args.only.split(",") if n] or list(faultmatrix.FAULTS)
    rules = Rules(vendor_quota_per_min=max(Rules.vendor_quota_per_min, args.requests * 3))
    config = scenario.LoadConfig(vendors=args.vendors, requests=args.requests, max_seconds=240.0)
    print(f"{'fault':<16}{'plan':<40}{'scenario':<20}outcome", flush=True)
    failed = 0
    for name in names:
        plan = faultmatrix.FAULTS[name]
        rt = launcher.start(
            Path(tempfile.mkdtemp(prefix="intentbid-faults-")),
            "--visibility-timeout",
            "1",
            env={**rules.env(), "INTENTBID_LOCAL_FAULTS": plan, "INTENTBID_AUTH_FAILURES_PER_MINUTE": "0"},
            timeout_s=90,
        )
        aws = _aws(rt.state["moto_url"])
        try:
            for run in (
                lambda rt=rt, aws=aws: faultmatrix.marketplace_round(rt.url, aws, args.round_vendors),
                lambda rt=rt: faultmatrix.load_round(rt.url, config, rules),
            ):
                started = time.perf_counter()
                try:
                    outcome = run()
                    line, what, ok = outcome.line(), outcome.scenario, outcome.ok
                except Exception as exc:  # a failed run is a row of the matrix, not a crash of it
                    line, what, ok = f"FAILED: {type(exc).__name__}: {exc}"[:300], "?", False
                failed += not ok
                print(
                    f"{name:<16}{plan or '-':<40}{what:<20}{line} ({time.perf_counter() - started:.0f} s)", flush=True
                )
        finally:
            rt.stop()
    return 1 if failed else 0


def _aws(moto_url: str):  # type: ignore[no-untyped-def]
    import boto3

    def client(service: str):  # type: ignore[no-untyped-def]
        return boto3.session.Session().client(
            service,
            endpoint_url=moto_url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - moto
        )

    return client


if __name__ == "__main__":
    raise SystemExit(main())
