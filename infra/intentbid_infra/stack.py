"""The IntentBid stack of one stage: tables, queues, expiry workflow, functions, workers, API (its WAF and optional
custom domain), observability (and the stage's alarm topic). What differs per stage is ``stages.StageConfig``."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from constructs import Construct

from intentbid.workers import AUTHORIZER
from intentbid_infra import config, nag
from intentbid_infra.alarm_topic import AlarmTopic
from intentbid_infra.api import Api
from intentbid_infra.domain import ApiDomain
from intentbid_infra.expiry import EXPIRY_QUEUE, ExpiryStateMachine
from intentbid_infra.functions import Functions
from intentbid_infra.observability import Observability
from intentbid_infra.queues import Queues
from intentbid_infra.realtime import RealtimeStack
from intentbid_infra.secrets import SecretsKey
from intentbid_infra.tables import Tables
from intentbid_infra.waf import WebAcl
from intentbid_infra.workers import Workers


class IntentBidStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: config.StageConfig,
        require_deps_layer: bool = False,
        alarm_topic_arn: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.stage = stage
        Tags.of(self).add("project", config.PROJECT)
        Tags.of(self).add("stage", stage.name)

        self.tables = Tables(self, "Tables", stage=stage)
        self.queues = Queues(self, "Queues", stage=stage)
        self.expiry = ExpiryStateMachine(self, "Expiry", stage=stage, queue=self.queues.queues[EXPIRY_QUEUE])
        self.secrets = SecretsKey(self, "Secrets", stage=stage)
        # The WebSocket part in a nested stack (resource limit): its table and queue first, so the ticket route
        # and the dispatcher here can be granted on them; its functions and API once the layers exist.
        self.realtime = RealtimeStack(self, "Realtime", stage=stage)
        self.tables.adopt(self.realtime.tables)
        self.queues.adopt(self.realtime.queues)
        self.functions = Functions(
            self,
            "Functions",
            stage=stage,
            tables=self.tables,
            queues=self.queues,
            expiry=self.expiry,
            secrets_key=self.secrets.key,
            require_deps_layer=require_deps_layer,
        )
        self.realtime.build(layers=(self.functions.shared_layer, self.functions.deps_layer), expiry=self.expiry)
        self.functions.functions["realtime_ticket"].add_environment("REALTIME_URL", self.realtime.url)
        self.workers = Workers(
            self, "Workers", stage=stage, functions=self.functions, queues=self.queues, tables=self.tables
        )
        endpoints = {name: fn for name, fn in self.functions.functions.items() if name != AUTHORIZER}
        self.api = Api(
            self, "Api", stage=stage, functions=endpoints, authorizer_function=self.functions.functions[AUTHORIZER]
        )
        self.waf = WebAcl(self, "Waf", stage=stage, api_stage=self.api.rest_api.deployment_stage)
        self.domain = (
            ApiDomain(self, "Domain", domain=stage.custom_domain, rest_api=self.api.rest_api)
            if stage.custom_domain
            else None
        )
        self.alarm_topic = AlarmTopic(self, "Alarms", stage=stage) if stage.alarm_topic else None
        self.observability = Observability(
            self,
            "Observability",
            stage=stage,
            rest_api=self.api.rest_api,
            authorizer=self.functions.functions[AUTHORIZER],
            functions=dict(self.functions.functions),
            dead_letter_queues={**self.queues.dlqs, **self.workers.failure_queues},
            alarm_topic_arn=alarm_topic_arn,
            alarm_topic=self.alarm_topic.topic if self.alarm_topic else None,
            nested_alarms=self.realtime.alarms,
        )
        nag.acknowledge(self)

        CfnOutput(self, "ApiUrl", value=self.api.url, description="Base URL of the API stage")
        CfnOutput(self, "RealtimeUrl", value=self.realtime.url, description="WebSocket URL of the realtime channel")
        CfnOutput(self, "ExpiryStateMachineArn", value=self.expiry.state_machine.state_machine_arn)
