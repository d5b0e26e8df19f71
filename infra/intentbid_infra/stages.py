"""The stages as data: every value that differs between dev, staging and prod, in one frozen dataclass per stage.

Nothing else in ``infra/`` branches on a stage's name; constructs read the fields of the :class:`StageConfig`
they are given. What comes from outside (the alarm topic's e-mail subscribers, a custom domain) is merged in by
:func:`stage_config` from CDK context or the environment; the stage decides whether it accepts it.
README "Deploy and operate" has the table of the differences; ``tests/infra/test_infra_stages.py`` asserts each
one on a synthesized template per stage.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs

from intentbid.routes import ROUTES
from intentbid.workers import AUTHORIZER, WORKERS


@dataclass(frozen=True)
class Throttle:
    """API Gateway's token bucket: ``rate`` requests per second, ``burst`` at once."""

    rate: float
    burst: int


@dataclass(frozen=True)
class CustomDomain:
    """A regional custom domain for the API (TLS 1.2, the certificate in the stack's region, ACM). With a
    ``hosted_zone_id`` (and its ``hosted_zone_name``) the stack also writes the alias record; without, point DNS
    at the ``ApiDomainTarget`` output yourself."""

    domain_name: str
    certificate_arn: str
    hosted_zone_id: str | None = None
    hosted_zone_name: str | None = None


@dataclass(frozen=True)
class StageConfig:
    name: str
    # --- non-data resources (log groups): whether a stack deletion keeps them
    removal_policy: RemovalPolicy
    log_retention: logs.RetentionDays
    log_level: str
    # --- data (the tables and the key that wraps the stored webhook secrets)
    data_removal_policy: RemovalPolicy  # RETAIN: a stack deletion (or a replacement) keeps the table and its items
    deletion_protection: bool  # DynamoDB refuses DeleteTable until it is turned off
    point_in_time_recovery: bool  # 35 days of continuous backups
    # --- API throttling: the stage's default for every method, and tighter limits on some routes (by function)
    throttle_rate_limit: int  # requests per second
    throttle_burst_limit: int
    route_throttles: tuple[tuple[str, Throttle], ...] = ()
    # --- WAF (REGIONAL web ACL on the API stage): requests per source IP per 5 minutes before it answers 429
    waf_rate_limit_per_5min: int = 3000
    # --- alarms: thresholds, and whether the stage owns an alarm topic (with e-mail subscribers)
    api_5xx_alarm_threshold: int = 1  # 5xx responses per ALARM_PERIOD
    latency_p99_alarm_ms: int = 3000  # p99 above it for 15 minutes
    authorizer_error_alarm_threshold: int = 1  # authorizer failures per ALARM_PERIOD
    alarm_topic: bool = False
    alarm_emails: tuple[str, ...] = ()  # from context / environment (stage_config); never in a stage without a topic
    # --- reserved concurrency per function: caps what a runaway worker can take from the account's pool
    reserved_concurrency: tuple[tuple[str, int], ...] = ()
    # --- an optional custom domain (off by default; from context)
    custom_domain: CustomDomain | None = None
    # --- notification email: the SES identity (a verified domain) the email worker sends as, and its sender
    email_domain: str = "intentbid.example"
    email_sender: str = "notifications"

    @property
    def email_from(self) -> str:
        return f"IntentBid <{self.email_sender}@{self.email_domain}>"

    @property
    def email_address(self) -> str:
        return f"{self.email_sender}@{self.email_domain}"

    def __post_init__(self) -> None:
        routes = {r.function for r in ROUTES}
        unknown = sorted({name for name, _ in self.route_throttles} - routes)
        if unknown:
            raise ValueError(f"stage {self.name}: route_throttles names no route: {unknown}")
        if self.alarm_emails and not self.alarm_topic:
            raise ValueError(f"stage {self.name} has no alarm topic, so no alarm subscribers: {self.alarm_emails}")
        for email in self.alarm_emails:
            if not EMAIL.fullmatch(email):
                raise ValueError(f"stage {self.name}: alarm e-mail {email!r} is not an address")
        functions = routes | {w.function for w in WORKERS} | {AUTHORIZER}
        sqs_workers = {w.function for w in WORKERS if w.source == "sqs"}
        for name, limit in self.reserved_concurrency:
            if name not in functions:
                raise ValueError(f"stage {self.name}: reserved_concurrency names no function: {name!r}")
            if limit < (2 if name in sqs_workers else 1):  # an SQS poller's MaximumConcurrency is at least 2
                raise ValueError(
                    f"stage {self.name}: reserved concurrency of {name} must be >= "
                    f"{2 if name in sqs_workers else 1} (0 stops it)"
                )

    def route_throttle(self, function: str) -> Throttle | None:
        return dict(self.route_throttles).get(function)

    def reserved_concurrency_of(self, function: str) -> int | None:
        """The function's reserved concurrency in this stage, or None (it draws from the unreserved pool)."""
        return dict(self.reserved_concurrency).get(function)


EMAIL = re.compile(r"[^@\s,]+@[^@\s,]+\.[^@\s,]+")

# Registration is public (anyone may call it): the per-IP limit in the endpoint is the real bound, the method
# throttle caps what all callers together may cost. Offer submission is the hot write path (rank recompute).
_REGISTER = ("vendor_register", "buyer_register")

STAGES: dict[str, StageConfig] = {
    "dev": StageConfig(
        "dev",
        removal_policy=RemovalPolicy.DESTROY,
        log_retention=logs.RetentionDays.TWO_WEEKS,
        log_level="DEBUG",
        data_removal_policy=RemovalPolicy.DESTROY,
        deletion_protection=False,
        point_in_time_recovery=False,
        throttle_rate_limit=50,
        throttle_burst_limit=100,
        route_throttles=(*((f, Throttle(5, 10)) for f in _REGISTER), ("offer_submit", Throttle(20, 40))),
        waf_rate_limit_per_5min=6000,  # tests and demos come from one address
        api_5xx_alarm_threshold=1,
        latency_p99_alarm_ms=5000,  # DEBUG logging, cold starts of a rarely used stage
        authorizer_error_alarm_threshold=5,
        alarm_topic=False,  # the alarms and the dashboard exist; nobody is paged for dev
        reserved_concurrency=(),  # new accounts have 10 concurrent executions: nothing may be reserved there
    ),
    "staging": StageConfig(
        "staging",
        removal_policy=RemovalPolicy.DESTROY,
        log_retention=logs.RetentionDays.ONE_MONTH,
        log_level="INFO",
        data_removal_policy=RemovalPolicy.RETAIN,
        deletion_protection=True,
        point_in_time_recovery=True,
        throttle_rate_limit=100,
        throttle_burst_limit=200,
        route_throttles=(*((f, Throttle(5, 10)) for f in _REGISTER), ("offer_submit", Throttle(40, 80))),
        waf_rate_limit_per_5min=3000,
        api_5xx_alarm_threshold=1,
        latency_p99_alarm_ms=3000,
        authorizer_error_alarm_threshold=1,
        alarm_topic=True,
        reserved_concurrency=(("webhook_deliver", 10), ("outbox_dispatch", 5)),
    ),
    "prod": StageConfig(
        "prod",
        removal_policy=RemovalPolicy.RETAIN,
        log_retention=logs.RetentionDays.THREE_MONTHS,
        log_level="INFO",
        data_removal_policy=RemovalPolicy.RETAIN,
        deletion_protection=True,
        point_in_time_recovery=True,
        throttle_rate_limit=500,
        throttle_burst_limit=1000,
        route_throttles=(*((f, Throttle(10, 20)) for f in _REGISTER), ("offer_submit", Throttle(200, 400))),
        waf_rate_limit_per_5min=3000,
        api_5xx_alarm_threshold=5,
        latency_p99_alarm_ms=2500,
        authorizer_error_alarm_threshold=1,
        alarm_topic=True,
        reserved_concurrency=(("webhook_deliver", 50), ("outbox_dispatch", 20)),
    ),
}
DEFAULT_STAGE = "dev"

# CDK context keys (``-c key=value``) read by stage_config, and the environment fallback of the e-mails.
ALARM_EMAILS_CONTEXT = "alarm_emails"  # comma-separated
ALARM_EMAILS_ENV = "INTENTBID_ALARM_EMAILS"
DOMAIN_CONTEXT = ("domain_name", "certificate_arn", "hosted_zone_id", "hosted_zone_name")


def _emails(value: Any) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return tuple(part.strip() for part in str(value or "").split(",") if part.strip())


def stage_config(
    name: str, context: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> StageConfig:
    """The stage ``name`` with what ``context`` (CDK context) and ``environ`` add: ``alarm_emails`` (context, else
    ``INTENTBID_ALARM_EMAILS``; ignored by a stage without an alarm topic when it comes from the environment,
    refused when it is asked for in context) and a custom domain (``domain_name`` + ``certificate_arn``, optional
    ``hosted_zone_id`` + ``hosted_zone_name``). Each context value is either the value or ``{stage: value}``."""
    try:
        stage = STAGES[name]
    except KeyError:
        raise ValueError(f"unknown stage {name!r}; choose one of {sorted(STAGES)}") from None
    # A context value applies to the stage being synthesized, or is a mapping by stage name (cdk.json can then
    # hold every stage's value: {"prod": "api.example.com", "staging": "api.staging.example.com"}).
    context = {key: value.get(name) if isinstance(value, Mapping) else value for key, value in (context or {}).items()}
    environ = os.environ if environ is None else environ
    changes: dict[str, Any] = {}
    if context.get(ALARM_EMAILS_CONTEXT):
        changes["alarm_emails"] = _emails(context[ALARM_EMAILS_CONTEXT])  # a stage without a topic refuses them
    elif stage.alarm_topic and environ.get(ALARM_EMAILS_ENV):
        changes["alarm_emails"] = _emails(environ[ALARM_EMAILS_ENV])
    domain = {key: str(context[key]) for key in DOMAIN_CONTEXT if context.get(key)}
    if domain:
        if not {"domain_name", "certificate_arn"} <= set(domain):
            raise ValueError("a custom domain needs both domain_name and certificate_arn (context)")
        if ("hosted_zone_id" in domain) != ("hosted_zone_name" in domain):
            raise ValueError("hosted_zone_id and hosted_zone_name go together (context)")
        changes["custom_domain"] = CustomDomain(**domain)
    return dataclasses.replace(stage, **changes) if changes else stage
