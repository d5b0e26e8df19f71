"""The fault matrix: one local runtime per fault (intentbid_local.faults), a marketplace round on each, driven by a
careful client (http_client.client_retries). Prints fault -> outcome: the answers' statuses, the retried ones,
5xx, and whether the offers accepted are exactly the ones stored (nothing lost, nothing twice).

    .venv/bin/python bench/faults.py [--vendors 3]
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from pathlib import Path

import boto3

from intentbid_local import http_client, launcher
from intentbid_local.testdata import TEN_BOXES, offer_body, rfo_body

FAULTS = {
    "none": "",
    "gsi_lag": "gsi_lag_ms=300,seed=7",
    "throttle": "throttle=0.1,sdk_backoff=0.05,seed=7",
    "tx_conflict": "tx_conflict=0.1,seed=7",
    "sqs_duplicate": "sqs_duplicate=1,seed=7",
    "worker_crash": "worker_crash=0.3,seed=7",
    "lambda_timeout": "lambda_timeout=0.2,seed=7",
}


def round_on(url: str, moto_url: str, vendors: int) -> str:
    answers: list[http_client.Response] = []

    def call(method: str, path: str, body: object = None, key: str | None = None) -> http_client.Response:
        resp = http_client.request(url, method, path, body, key=key)
        answers.append(resp)
        return resp

    accepted: list[str] = []
    with http_client.client_retries():
        buyer = call("POST", "/v1/buyers/register", {"name": "matrix buyer", "email": "b@example.com"}).body
        rfo = call("POST", "/v1/rfos", rfo_body(title="matrix", **TEN_BOXES), key=buyer["api_key"]).body
        for i in range(vendors):
            v = call("POST", "/v1/vendors/register", {"name": f"matrix vendor {i}", "email": f"v{i}@example.com"})
            o = call(
                "POST",
                f"/v1/rfos/{rfo['id']}/offers",
                offer_body(unit_price=5_000 + i, quantity_available=10),
                key=v.body["api_key"],
            )
            if o.status == 201:
                accepted.append(o.body["id"])
    ddb = boto3.session.Session().client(
        "dynamodb",
        endpoint_url=moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - moto
    )
    stored = [
        i["id"]["S"] for i in ddb.scan(TableName="intentbid-local-offers")["Items"] if i["rfo_id"]["S"] == rfo["id"]
    ]
    statuses = Counter(a.status for a in answers)
    retried = Counter(f"{s} {c}" for a in answers for s, c in a.history)
    five = sum(n for s, n in statuses.items() if s >= 500)
    same = sorted(stored) == sorted(accepted) and len(accepted) == vendors
    return (
        f"answers {dict(statuses)}; retried {dict(retried) or '-'}; 5xx {five}; "
        f"offers accepted {len(accepted)}, stored {len(stored)}: {'OK' if same and not five else 'FAILED'}"
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--vendors", type=int, default=3)
    args = p.parse_args()
    print(f"{'fault':<16}{'plan':<40}outcome (marketplace round)")
    for name, plan in FAULTS.items():
        rt = launcher.start(
            Path(tempfile.mkdtemp(prefix="intentbid-faults-")),
            "--visibility-timeout",
            "1",
            env={"INTENTBID_LOCAL_FAULTS": plan, "INTENTBID_AUTH_FAILURES_PER_MINUTE": "0"},
        )
        try:
            outcome = round_on(rt.url, rt.state["moto_url"], args.vendors)
        except Exception as exc:  # a failed run is a row of the matrix, not a crash of it
            outcome = f"FAILED: {type(exc).__name__}: {exc}"
        finally:
            rt.stop()
        print(f"{name:<16}{plan or '-':<40}{outcome}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
