"""Shared fixtures. Environment first: no real AWS is ever reachable from the tests."""

from __future__ import annotations

import os

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
