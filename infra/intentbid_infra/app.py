"""Build the CDK app: the stage from context (``-c stage=staging``), stack ``IntentBid-<stage>``, and
cdk-nag's AwsSolutions checks as a validation plugin (findings fail synth)."""

from __future__ import annotations

import os
from typing import Any

from aws_cdk import App, Environment, Validations
from cdk_nag import AwsSolutionsChecks

from intentbid_infra import config, stages
from intentbid_infra.stack import IntentBidStack


def _flag(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "yes")


def build(context: dict[str, Any] | None = None, outdir: str | None = None) -> tuple[App, IntentBidStack]:
    """The app and its one stack. ``context`` is for tests (the CLI passes cdk.json and ``-c`` itself).

    Context keys: ``stage`` (dev | staging | prod), ``require_deps_layer`` (fail unless ``make build`` ran;
    set it when deploying), ``alarm_topic_arn`` (an SNS topic for the alarms, optional), ``alarm_emails``
    (comma-separated subscribers of the stage's own alarm topic; else ``INTENTBID_ALARM_EMAILS``) and the custom
    domain's ``domain_name``, ``certificate_arn``, ``hosted_zone_id``, ``hosted_zone_name`` (``stages.py``).
    """
    app = App(context=context, outdir=outdir)
    stage = config.stage_config(
        str(app.node.try_get_context("stage") or config.DEFAULT_STAGE),
        context={key: app.node.try_get_context(key) for key in (stages.ALARM_EMAILS_CONTEXT, *stages.DOMAIN_CONTEXT)},
    )
    account, region = os.environ.get("CDK_DEFAULT_ACCOUNT"), os.environ.get("CDK_DEFAULT_REGION")
    stack = IntentBidStack(
        app,
        config.stack_name(stage.name),
        stage=stage,
        require_deps_layer=_flag(app.node.try_get_context("require_deps_layer")),
        alarm_topic_arn=app.node.try_get_context("alarm_topic_arn") or None,
        env=Environment(account=account, region=region) if account and region else None,
        description=f"IntentBid ({stage.name}): API, functions, tables, queues, expiry workflow, observability",
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stack
