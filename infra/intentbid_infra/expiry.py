"""The RFO expiry workflow (DESIGN.md §5): a Standard state machine loaded from its ASL file."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from intentbid_infra import config

EXPIRY_QUEUE = "rfo-expiry"  # a name in intentbid.workers.QUEUES
DEFINITION_FILE = config.EXPIRY_DEFINITION_FILE
QUEUE_URL_PLACEHOLDER = "ExpiryQueueUrl"  # ${ExpiryQueueUrl} in the ASL file


class ExpiryStateMachine(Construct):
    """Wait until ``expires_at``, then send the RFO to the expiry queue. Its role may do exactly that:
    ``sqs:SendMessage`` on that one queue (no logging or tracing grants; see nag.py for why)."""

    def __init__(self, scope: Construct, construct_id: str, *, stage: config.StageConfig, queue: sqs.IQueue) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description="RFO expiry workflow: send to the rfo-expiry queue, nothing else",
        )
        self.role.add_to_policy(iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[queue.queue_arn]))
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=f"{config.resource_prefix(stage.name)}rfo-expiry",
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_file(str(DEFINITION_FILE)),
            definition_substitutions={QUEUE_URL_PLACEHOLDER: queue.queue_url},
            role=self.role,
        )

    def grant_start(self, grantee: iam.IGrantable) -> None:
        """``states:StartExecution`` on this state machine only."""
        self.state_machine.grant_start_execution(grantee)
