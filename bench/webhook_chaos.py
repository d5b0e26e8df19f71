"""Webhook chaos at full size: 1,000 deliveries (``--events``) through the real pipeline of a local runtime to a
receiver that fails, times out and answers 429 on a seeded schedule (``intentbid_local.chaos``), once as is
(the dead ones redriven from the DLQ) and once with the delivery worker killed mid-batch (recovered through the
recover route). Every check of ``tests/e2e/test_webhook_chaos.py`` runs; prints what happened and how long.

    python bench/webhook_chaos.py [--events 1000] [--seed 13] [--only plain|crash]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

import benchlib
import boto3

from intentbid_local import chaos, launcher


def sqs_on(moto_url: str) -> object:
    return boto3.session.Session().client(
        "sqs",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto's
    )


def one(name: str, events: int, seed: int, faults: str, again: str) -> None:
    env = {**chaos.RUNTIME_ENV, **({"INTENTBID_LOCAL_FAULTS": faults} if faults else {})}
    with tempfile.TemporaryDirectory(prefix="chaos-") as tmp:
        rt = launcher.start(Path(tmp), "--visibility-timeout", str(chaos.VISIBILITY_TIMEOUT_S), env=env)
        try:
            t0 = time.monotonic()
            report = chaos.run(
                rt.url,
                sqs_on(rt.state["moto_url"]),
                n_rfos=math.ceil(events / len(chaos.CHAOTIC)),
                seed=seed,
                again=again,
                settle_timeout_s=900,
                crash_count=lambda: rt.log().count("fault injected: worker_crash"),
            )
            took = time.monotonic() - t0
        finally:
            rt.stop()
    print(f"\n{name} ({again} delivers the dead): all checks passed in {took:.1f}s")
    for line in report.lines():
        print("  " + line)
    print(f"SUMMARY: {name}: {report.deliveries} deliveries, {report.dead_first_pass} dead then delivered, none lost")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--events", type=int, default=1000, help="deliveries per run (default 1000)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--only", choices=("plain", "crash"))
    args = p.parse_args()
    if args.only != "crash":
        one("chaos", args.events, args.seed, "", "redrive")
    if args.only != "plain":
        one("chaos + worker crashes", args.events, args.seed + 1, chaos.CRASH_FAULTS + f",seed={args.seed}", "recover")
    sys.stdout.flush()


if __name__ == "__main__":
    benchlib.report(main)
