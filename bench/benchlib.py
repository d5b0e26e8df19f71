"""What the in-process benches share: an offline AWS environment, in-process moto with the tables, and the
``__main__`` rule that a bench reports and never gates (it exits 0, a failure is its SUMMARY line)."""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

OFFLINE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "TZ": "UTC",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}


def offline(extra: dict[str, str] | None = None) -> None:
    """No real AWS reachable: test credentials, one region, no endpoint or profile; ``extra`` settings on top."""
    os.environ.update({**OFFLINE_ENV, **(extra or {})})
    for k in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        os.environ.pop(k, None)


@contextlib.contextmanager
def moto_tables(prefix: str, *, atomic: bool = False) -> Iterator[Any]:
    """In-process moto with every table under ``prefix`` (``atomic``: DynamoDB's transaction semantics, as the
    tests have them); the handlers' JSON logs go to stderr, out of the bench's table."""
    import boto3
    from moto import mock_aws

    from intentbid.store import base
    from intentbid.store.tables import create_all

    if atomic:
        from intentbid_local import moto_atomic

        moto_atomic.install()
    with mock_aws(), contextlib.redirect_stdout(sys.stderr):
        base.bind(prefix)
        create_all(boto3.client("dynamodb"))
        yield


def report(main: Callable[[], Any], *, trace: bool = True) -> NoReturn:
    """Run a bench's ``main`` as ``__main__``: exit 0 whatever happens; a crash is printed as its SUMMARY."""
    try:
        main()
    except Exception as exc:  # a bench reports; it never gates
        if trace:
            traceback.print_exc()
        print(f"SUMMARY: benchmark failed to run: {exc}")
    sys.exit(0)
