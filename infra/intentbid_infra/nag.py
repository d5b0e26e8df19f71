"""cdk-nag (AwsSolutions) acknowledgements, each on the narrowest construct and with its reason.

cdk-nag 3 runs as a CDK validation plugin: any finding not acknowledged here fails synth. The infra tests
check the facts these reasons rest on (only X-Ray has ``*``, the expiry role only sends to its queue, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from aws_cdk import Acknowledgment, CfnElement, Validations
from constructs import IConstruct

from intentbid.routes import ROUTES

if TYPE_CHECKING:
    from intentbid_infra.stack import IntentBidStack

PACK = "AwsSolutions::AwsSolutions-"

REASONS: dict[str, str] = {
    "APIG4": (
        "Public by design: the route table marks this route public (health, readiness, the OpenAPI document, "
        "the docs, self-service registration), or the ANY method of a resource, a MOCK that only answers 405 "
        "for the methods the resource does not declare (it reaches no function and no data). Registration is "
        "rate-limited per source IP in the endpoint and the stage throttles every method."
    ),
    "COG4": (
        "Callers are vendors' and buyers' programs holding API keys, not Cognito users: non-public methods use "
        "the Lambda REQUEST authorizer (key hash lookup, status, expiry, IP allowlist, scopes), which the "
        "design mandates; public routes need no authorizer at all."
    ),
    "DDB3": (
        "A dev stage's data is disposable (StageConfig.point_in_time_recovery): its tables are destroyed with the "
        "stack and rebuilt by tests and demos; staging and prod keep point-in-time recovery, deletion protection "
        "and RETAIN (asserted per stage by tests/infra/test_infra_stages.py)."
    ),
    "SF1": (
        "The expiry workflow is one Wait and one SQS send; Standard workflows keep every execution's full event "
        "history for 90 days, and the rfo_expire worker it feeds logs and traces the actual work. Log delivery "
        "would need logs:*Delivery on '*', and this role is kept to exactly sqs:SendMessage on its queue."
    ),
    "SF2": (
        "X-Ray tracing would need xray:Put* on '*' for a workflow that makes a single SQS call; the role stays "
        "limited to sqs:SendMessage on the expiry queue. The consuming worker is traced."
    ),
    "IAM5[Resource::*]": (
        "Only the X-Ray write actions (xray:PutTraceSegments, xray:PutTelemetryRecords) added by active tracing "
        "are on '*': X-Ray does not support resource-level permissions. DynamoDB, SQS, Step Functions and logs "
        "grants name their resources (asserted by tests/infra)."
    ),
    "SQS3": (
        "This queue is itself a dead-letter queue: the on-failure destination of the outbox stream's event source "
        "mapping, so it is not used as a redrive target and must not have a DLQ of its own."
    ),
    "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]": (
        "The API Gateway account role that lets API Gateway write access and execution logs (APIG1, APIG6) "
        "uses the AWS-maintained service-role policy meant for exactly this purpose."
    ),
    "APIG4[$disconnect]": (
        "API Gateway allows an authorizer on a WebSocket API's $connect route only: $disconnect is called by API "
        "Gateway itself for a connection that $connect's ticket authorizer admitted, and only deletes that "
        "connection's own item."
    ),
    "IAM5[ManageConnections]": (
        "The push worker posts to connections whose ids exist only at runtime: execute-api:ManageConnections on "
        "this WebSocket API's own stage and its @connections path (CDK's grantManagementApiAccess), nothing wider."
    ),
}


def _ack(construct: IConstruct, *rules: str) -> None:
    Validations.of(construct).acknowledge(*(Acknowledgment(id=PACK + rule, reason=REASONS[rule]) for rule in rules))


def _ack_as(construct: IConstruct, finding: str, reason: str) -> None:
    Validations.of(construct).acknowledge(Acknowledgment(id=PACK + finding, reason=REASONS[reason]))


def acknowledge(stack: IntentBidStack) -> None:
    api = stack.api
    for route in ROUTES:
        method = api.methods[route.function]
        _ack(method, *(("APIG4", "COG4") if route.public else ("COG4",)))
    for method in api.not_allowed.values():
        _ack(method, "APIG4", "COG4")
    cloudwatch_role = api.rest_api.node.try_find_child("CloudWatchRole")
    if cloudwatch_role is not None:
        _ack(
            cloudwatch_role,
            "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
        )
    if not stack.stage.point_in_time_recovery:
        for table in stack.tables.tables.values():
            _ack(table, "DDB3")
    _ack(stack.expiry.state_machine, "SF1", "SF2")
    for role in stack.functions.roles.values():
        _ack(role, "IAM5[Resource::*]")
    for dlq in stack.workers.failure_queues.values():
        _ack(dlq, "SQS3")
    realtime = stack.realtime
    for role in realtime.functions.roles.values():
        _ack(role, "IAM5[Resource::*]")
    disconnect = realtime.api.node.find_child("$disconnect-Route")
    _ack_as(disconnect, "APIG4", "APIG4[$disconnect]")
    api_id = realtime.resolve(realtime.get_logical_id(cast(CfnElement, realtime.api.node.default_child)))
    push_role = realtime.functions.roles["realtime_push"]
    _ack_as(
        push_role,
        "IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:"
        f"<{api_id}>/{realtime.stage.stage_name}/*/@connections/*]",
        "IAM5[ManageConnections]",
    )
