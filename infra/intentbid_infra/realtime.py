"""The realtime channel as a nested stack (the main stack sits near CloudFormation's 500-resource limit), and
beside it the email channel's queue, worker and sent-records table (the stack of every ``stack=REALTIME_STACK``).

It holds the whole WebSocket part: the connections table (TTL, owner and audience indexes; tickets too), the
realtime queue with its DLQ and alarm, the functions (``$connect`` authorizer, ``$connect``, ``$disconnect``,
the push worker), the WebSocket API, its stage (access logs, throttling) and routes. The main stack keeps the
ticket route (``POST /v1/realtime/tickets``, on the REST API) and the dispatcher that feeds the queue; it grants
them on this stack's table and queue (CloudFormation passes the references as nested-stack outputs).

Built in two steps: :class:`RealtimeStack` creates the table and the queue first (the main stack's functions
need their names), :meth:`RealtimeStack.build` the functions and the API once the main stack's layers exist.
"""

from __future__ import annotations

import json

import jsii
from aws_cdk import NestedStack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from intentbid.workers import NESTED_FUNCTIONS, REALTIME_AUTHORIZER, REALTIME_STACK, WEBSOCKET_ROUTES
from intentbid_infra import config
from intentbid_infra.expiry import ExpiryStateMachine
from intentbid_infra.functions import Functions
from intentbid_infra.queues import Queues
from intentbid_infra.tables import Tables
from intentbid_infra.workers import Workers

TICKET_QUERY = "route.request.querystring.ticket"  # the authorizer's identity source: none -> 401, not invoked
REALTIME_QUEUE = "realtime"
PUSH_WORKER = "realtime_push"
ACCESS_LOG_FIELDS: dict[str, str] = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "eventType": "$context.eventType",
    "connectionId": "$context.connectionId",
    "status": "$context.status",
    "ip": "$context.identity.sourceIp",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
    "principalKind": "$context.authorizer.owner_kind",
    "principalId": "$context.authorizer.owner_id",
}


@jsii.implements(apigwv2.IAccessLogSettings)
class AccessLogs:
    """The stage's access log settings (CDK offers only the interface for WebSocket stages)."""

    def __init__(self, group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(group)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS))


class RealtimeStack(NestedStack):
    """``tables``/``queues`` (its own), then after :meth:`build`: ``functions``, ``api``, ``stage``, ``alarms``."""

    def __init__(self, scope: Construct, construct_id: str, *, stage: config.StageConfig) -> None:
        super().__init__(scope, construct_id, description="IntentBid realtime channel (WebSocket API)")
        self.stage_config = stage
        self.tables = Tables(self, "Tables", stage=stage, stack=REALTIME_STACK)
        self.queues = Queues(self, "Queues", stage=stage, stack=REALTIME_STACK)
        self.alarms: dict[str, cw.Alarm] = {}

    def build(
        self,
        *,
        layers: tuple[lambda_.ILayerVersion, lambda_.ILayerVersion],
        expiry: ExpiryStateMachine,
    ) -> None:
        stage = self.stage_config
        prefix = config.resource_prefix(stage.name)
        self.functions = Functions(
            self,
            "Functions",
            stage=stage,
            tables=self.tables,
            queues=self.queues,
            expiry=expiry,
            names=list(NESTED_FUNCTIONS),
            layers=layers,
        )
        fns = self.functions.functions
        self.workers = Workers(
            self,
            "Workers",
            stage=stage,
            functions=self.functions,
            queues=self.queues,
            tables=self.tables,
            stack=REALTIME_STACK,
        )
        self.authorizer = authorizers.WebSocketLambdaAuthorizer(
            "TicketAuthorizer",
            fns[REALTIME_AUTHORIZER],
            authorizer_name=f"{prefix}realtime-ticket",
            identity_source=[TICKET_QUERY],
        )
        self.api = apigwv2.WebSocketApi(
            self,
            "WebSocketApi",
            api_name=f"{prefix}realtime",
            description="IntentBid realtime events: one socket per principal, opened with a one-time ticket",
            connect_route_options=apigwv2.WebSocketRouteOptions(
                integration=integrations.WebSocketLambdaIntegration("Connect", fns[WEBSOCKET_ROUTES["$connect"]]),
                authorizer=self.authorizer,
            ),
            disconnect_route_options=apigwv2.WebSocketRouteOptions(
                integration=integrations.WebSocketLambdaIntegration("Disconnect", fns[WEBSOCKET_ROUTES["$disconnect"]]),
            ),
        )
        self.access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            log_group_name=f"/aws/apigateway/{prefix}realtime-access",
            retention=stage.log_retention,
            removal_policy=stage.removal_policy,
        )
        self.stage = apigwv2.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.api,
            stage_name=stage.name,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=stage.throttle_rate_limit, burst_limit=stage.throttle_burst_limit
            ),
            access_log_settings=AccessLogs(self.access_logs),
        )
        push = fns[PUSH_WORKER]
        self.stage.grant_management_api_access(push)
        push.add_environment("AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI", self.stage.callback_url)
        for name, dlq in sorted(self.queues.dlqs.items()):  # realtime's and email's (this stack's queues)
            self.alarms[f"dlq-{name}"] = dlq.metric_approximate_number_of_messages_visible(
                period=config.ALARM_PERIOD, statistic="Maximum"
            ).create_alarm(
                self,
                f"Dlq{config.construct_id(name)}",
                alarm_name=f"{prefix}dlq-{name}",
                alarm_description=f"Messages of the {name} queue failed every attempt and wait in its dead-letter queue",  # noqa: E501
                threshold=0,
                evaluation_periods=1,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            )

    @property
    def url(self) -> str:
        """The ``wss://`` URL of the stage (what a ticket is for)."""
        return self.stage.url
