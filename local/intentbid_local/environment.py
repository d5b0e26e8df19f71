"""The environment the handlers see, set in-process before any boto3 client exists."""

from __future__ import annotations

import os
import time

STAGE = "local"
TABLE_PREFIX = f"intentbid-{STAGE}-"
REGION = "us-east-1"

BASE = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "TABLE_PREFIX": TABLE_PREFIX,
    "STAGE": STAGE,
    "TZ": "UTC",  # moto's Step Functions Wait compares naive local times
    "POWERTOOLS_SERVICE_NAME": "intentbid",
}


# Per-source-IP limits assume distinct client IPs; locally every client (browser, demo, tests) is 127.0.0.1,
# so the registration limit would lock a developer out after a couple of demos. Explicit settings still win.
# Webhook receivers on the developer's machine (http://127.0.0.1:...) work locally; a deployed stage refuses it.
LOCAL_DEFAULTS = {
    "INTENTBID_RATE_LIMIT_REGISTER": "1000/3600",
    "INTENTBID_WEBHOOK_ALLOW_LOCAL": "true",
}
SECRETS_KEY_FILE = "secrets.key"  # the local master key of webhook secrets, in the data directory (0600)


def queue_env_name(logical_name: str) -> str:
    """``rfo-expiry`` -> ``QUEUE_URL_RFO_EXPIRY`` (a DLQ: ``QUEUE_URL_RFO_EXPIRY_DLQ``)."""
    return "QUEUE_URL_" + logical_name.upper().replace("-", "_")


def apply(values: dict[str, str]) -> None:
    from intentbid import config

    os.environ.update(values)
    if "TZ" in values:
        time.tzset()
    config.reload()  # the handlers' settings follow the environment they see


def apply_base(endpoint_url: str | None) -> None:
    """Credentials, region, stage and table prefix; plus the moto endpoint (``None``: in-process moto)."""
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        os.environ.pop(name, None)
    apply(BASE)
    for name, value in LOCAL_DEFAULTS.items():
        os.environ.setdefault(name, value)
    if endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = endpoint_url
    else:
        os.environ.pop("AWS_ENDPOINT_URL", None)
        os.environ["AWS_ACCOUNT_ID_ENDPOINT_MODE"] = "disabled"  # in-process moto streams need it
