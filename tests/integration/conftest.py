"""Integration fixtures: the real handlers on in-process moto, driven by API Gateway events."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from intentbid.http import idempotency
from intentbid.services import health
from intentbid.store import base
from intentbid.store.tables import create_all
from intentbid_local import moto_atomic


@pytest.fixture
def aws() -> Iterator[None]:
    moto_atomic.install()
    with mock_aws():
        base.bind("intentbid-test-")
        idempotency.reset()
        health.reset()  # the readiness answer is cached per instance: a new moto is a new world
        create_all(boto3.client("dynamodb"))
        yield
        base.bind("intentbid-test-")
