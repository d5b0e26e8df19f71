"""Every infrastructure constant in one place: paths, names, runtime, per-stage settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

from intentbid.routes import API_TIMEOUT_S, AUTHORIZER_TIMEOUT_S
from intentbid.workers import WORKER_TIMEOUT_S

PROJECT = "intentbid"
SERVICE_NAME = "intentbid"  # POWERTOOLS_SERVICE_NAME
METRICS_NAMESPACE = "IntentBid"  # POWERTOOLS_METRICS_NAMESPACE (and the dashboard's custom metrics)

# --- source folders (Code.from_asset zips them as they are: no bundling, no Docker)
REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = REPO_ROOT / "functions"
SHARED_LAYER_DIR = REPO_ROOT / "layers" / "shared"
DEPS_LAYER_DIR = REPO_ROOT / "layers" / "deps"  # built by `make build` (tools/build_deps_layer.sh)
DEPS_LAYER_ZIP = REPO_ROOT / "layers" / "deps.zip"  # the same, zipped reproducibly: what a deploy uploads
# Stand-in for an unbuilt deps layer, so synth (tests, cdk-nag, CI lint) never needs `make build`.
# Under cdk.out (git-ignored); a deploy must use the real layer: `-c require_deps_layer=true`.
DEPS_PLACEHOLDER_DIR = REPO_ROOT / "cdk.out" / ".deps-layer-placeholder"
EXPIRY_DEFINITION_FILE = SHARED_LAYER_DIR / "python" / "intentbid" / "assets" / "rfo_expiry.asl.json"
ASSET_EXCLUDES = ["**/__pycache__", "**/*.pyc", "**/.mypy_cache", "**/.pytest_cache"]
HANDLER = "app.handler"

# --- Lambda. The deps layer is built for exactly this runtime (tools/build_deps_layer.sh reads
# PYTHON_VERSION from here), and cdk-nag AwsSolutions-L1 asks for the newest runtime CDK knows.
PYTHON_VERSION = "3.14"
RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64
DEPS_PLATFORM = "manylinux2014_aarch64"  # pip --platform for ARCHITECTURE


@dataclass(frozen=True)
class FunctionSize:
    memory_mb: int
    timeout: Duration


# Timeouts from the shared layer, so the local runtime runs with the very same ones.
API_FUNCTION = FunctionSize(512, Duration.seconds(API_TIMEOUT_S))  # API Gateway's own limit is 29 s
AUTHORIZER_FUNCTION = FunctionSize(256, Duration.seconds(AUTHORIZER_TIMEOUT_S))  # lean import path (DESIGN.md §3)
WORKER_FUNCTION = FunctionSize(512, Duration.seconds(WORKER_TIMEOUT_S))  # < every queue's visibility timeout

# --- logs and traces (bench/cost.py reads these assignments; README "Cost per million")
# Lambda's JSON log format with the system (platform) level at WARN: no START/END/REPORT lines (~370 B per
# invocation, a third of a submission's log bytes); Duration/Errors/Throttles stay as Lambda's free metrics.
# The application level stays the stage's LOG_LEVEL (Powertools' JSON lines pass through unchanged).
LAMBDA_SYSTEM_LOG_LEVEL = "WARN"
# X-Ray samples at the entry point and the decision follows the trace: the API stage's rule below decides for
# the API functions and the authorizer (Tracing.ACTIVE follows an upstream decision); stream and queue workers
# have no upstream trace, so they run PASS_THROUGH (no traces of their own instead of Lambda's fixed 1/s + 5 %).
XRAY_RESERVOIR_PER_S = 1  # traces per second always recorded (low traffic keeps a trace a second)
XRAY_FIXED_RATE = 0.01  # of the requests beyond the reservoir
WORKER_TRACING = "PASS_THROUGH"

# --- API Gateway
AUTH_HEADER = "Authorization"
AUTHORIZER_CACHE_TTL = Duration.seconds(0)  # no caching: a revoked key fails on its very next request

# --- event sources
STREAM_RETRY_ATTEMPTS = 5
STREAM_MAX_RECORD_AGE = Duration.hours(24)
QUEUE_RETENTION = Duration.days(4)
DLQ_RETENTION = Duration.days(14)

# --- observability
LATENCY_P99_THRESHOLD_MS = 3000
ALARM_PERIOD = Duration.minutes(5)


@dataclass(frozen=True)
class StageConfig:
    name: str
    removal_policy: RemovalPolicy
    log_retention: logs.RetentionDays
    log_level: str
    throttle_rate_limit: int  # requests per second, stage default for every method
    throttle_burst_limit: int
    api_5xx_alarm_threshold: int  # 5xx responses per ALARM_PERIOD
    # Notification email: the SES identity (a verified domain) the email worker sends as, and its sender address.
    email_domain: str = "intentbid.example"
    email_sender: str = "notifications"

    @property
    def email_from(self) -> str:
        return f"IntentBid <{self.email_sender}@{self.email_domain}>"

    @property
    def email_address(self) -> str:
        return f"{self.email_sender}@{self.email_domain}"


STAGES: dict[str, StageConfig] = {
    "dev": StageConfig("dev", RemovalPolicy.DESTROY, logs.RetentionDays.TWO_WEEKS, "DEBUG", 50, 100, 1),
    "staging": StageConfig("staging", RemovalPolicy.DESTROY, logs.RetentionDays.ONE_MONTH, "INFO", 100, 200, 1),
    "prod": StageConfig("prod", RemovalPolicy.RETAIN, logs.RetentionDays.THREE_MONTHS, "INFO", 500, 1000, 5),
}
DEFAULT_STAGE = "dev"


def stage_config(name: str) -> StageConfig:
    try:
        return STAGES[name]
    except KeyError:
        raise ValueError(f"unknown stage {name!r}; choose one of {sorted(STAGES)}") from None


def stack_name(stage: str) -> str:
    return f"IntentBid-{stage}"


def resource_prefix(stage: str) -> str:
    """``intentbid-<stage>-``: the physical name prefix of tables (TABLE_PREFIX), queues, functions."""
    return f"{PROJECT}-{stage}-"


def env_suffix(logical_name: str) -> str:
    """``rfo-expiry`` -> ``RFO_EXPIRY``, for environment variable names."""
    return logical_name.upper().replace("-", "_")


def construct_id(name: str) -> str:
    """``rfo_create`` / ``api-keys`` -> ``RfoCreate`` / ``ApiKeys``."""
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))
