"""Shared fixtures. Environment first: no real AWS is ever reachable from the tests."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_REGION", "us-east-1")
os.environ.setdefault("TZ", "UTC")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "IntentBid")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "intentbid")
os.environ.setdefault("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)


class LogCapture:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def clear(self) -> None:
        self.stream.seek(0)
        self.stream.truncate()

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]


@pytest.fixture
def app_logs() -> Iterator[LogCapture]:
    """The JSON lines the app logger emits during the test (after redaction), whatever sys.stdout is."""
    from intentbid import observability as obs

    capture = LogCapture()
    handler = logging.StreamHandler(capture.stream)
    handler.setFormatter(obs.logger.registered_formatter)
    obs.logger.addHandler(handler)
    try:
        yield capture
    finally:
        obs.logger.removeHandler(handler)
