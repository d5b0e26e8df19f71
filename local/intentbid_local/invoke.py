"""``python -m intentbid_local.invoke <function> <event.json>``: ``sam local invoke`` without Docker.

Runs the handler of ``functions/<function>`` once on the event, against an embedded in-process moto with
every table, queue and the expiry state machine created, and prints the handler's result as JSON on stdout
(handler logs and metrics go to stderr). The sample key ``ib_test_SampleKey…`` of ``events/authorizer.json``
is seeded as a buyer key, so the authorizer sample is allowed. Exit status 1 when the handler raises.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import traceback
from pathlib import Path
from typing import Any

from intentbid_local import environment
from intentbid_local.events import EventError, event_path, load_event
from intentbid_local.functions import FunctionLoader
from intentbid_local.lambda_context import context_for

SAMPLE_KEY = "ib_test_SampleKeyForLocalInvokeOnly00000"  # public sample: valid only in the embedded moto
SAMPLE_BUYER = "buy_01J0SAMP1EBVYER00000000000"
SAMPLE_BUYER_KEY_ID = "key_01J0SAMP1EBVYERKEY00000000"


def seed_sample_key() -> None:
    """The buyer key of the sample events, so ``events/authorizer.json`` is allowed."""
    from intentbid.domain import clock, keys
    from intentbid.store.models.api_keys import ApiKeyModel

    prefix, last4 = keys.display_parts(SAMPLE_KEY)
    ApiKeyModel(
        keys.hash_key(SAMPLE_KEY),
        key_id=SAMPLE_BUYER_KEY_ID,
        owner_id=SAMPLE_BUYER,
        owner_kind="buyer",
        name="sample",
        prefix=prefix,
        last4=last4,
        status="active",
        environment="test",
        scopes=["keys:manage", "offers:read", "rfos:read", "rfos:write", "webhooks:manage"],
        created_at=clock.now(),
    ).save()


def invoke(function: str, event: dict[str, Any], extra_dirs: list[Path]) -> tuple[Any, bool]:
    """(result, raised) of one invocation on a fresh embedded moto."""
    import boto3
    from moto import mock_aws

    from intentbid.store.base import bind
    from intentbid_local.resources import provision

    environment.apply_base(None)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        resources = provision(boto3.session.Session(), None)
        environment.apply(resources.env())
        bind()
        seed_sample_key()
        handler = FunctionLoader(extra_dirs).get(function)
        if handler is None:
            raise SystemExit(f"no such function: functions/{function}/app.py")
        try:
            return handler(event, context_for(function)), False
        except Exception as exc:
            traceback.print_exc(file=sys.stderr)
            return {"errorMessage": str(exc), "errorType": type(exc).__name__}, True


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m intentbid_local.invoke",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("function", help="a folder name under functions/ (e.g. health, rfo_create, authorizer)")
    p.add_argument("event", help="an event file, or the name of one under events/ (e.g. rfo_create)")
    p.add_argument("--extra-functions", type=Path, action="append", default=[], help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    try:
        event = load_event(args.event)
    except (OSError, ValueError, EventError) as exc:
        print(f"cannot load {event_path(args.event)}: {exc}", file=sys.stderr)
        return 2
    stdout = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):  # handler logs and EMF metrics print to stdout
        result, raised = invoke(args.function, event, args.extra_functions)
    print(json.dumps(result, indent=2, default=str), file=stdout, flush=True)
    return 1 if raised else 0


if __name__ == "__main__":
    sys.exit(main())
