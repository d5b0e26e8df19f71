"""Least-privilege IAM per function, generated from ``intentbid.iam.ACCESS`` (never by hand).

Table access levels map to DynamoDB actions on the table and on each of its indexes by name:
- ``read``: GetItem, BatchGetItem, Query, ConditionCheckItem, DescribeTable;
- ``write``: read + PutItem, UpdateItem (no function's code deletes or batch-writes);
- ``delete``: DeleteItem (the idempotency table only: Powertools removes a failed request's record);
- ``append``: PutItem and DescribeTable only (no read, update or delete) — the hook for append-only tables
  such as an audit log: set ``{"audit": "append"}`` in ACCESS and this module needs no change.
Nobody gets Scan. Transactions need no actions of their own: DynamoDB checks each item's action.
"""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from intentbid.iam import ACCESS, Access, effective
from intentbid_infra import config
from intentbid_infra.expiry import ExpiryStateMachine
from intentbid_infra.queues import Queues
from intentbid_infra.tables import Tables

READ_ACTIONS: tuple[str, ...] = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
)
WRITE_ACTIONS: tuple[str, ...] = (
    *READ_ACTIONS,
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
)
DELETE_ACTIONS: tuple[str, ...] = ("dynamodb:DeleteItem",)
APPEND_ACTIONS: tuple[str, ...] = ("dynamodb:PutItem", "dynamodb:DescribeTable")
UPDATE_ACTIONS: tuple[str, ...] = (*READ_ACTIONS, "dynamodb:UpdateItem")
LEVEL_ACTIONS: dict[str, tuple[str, ...]] = {
    "read": READ_ACTIONS,
    "update": UPDATE_ACTIONS,
    "write": WRITE_ACTIONS,
    "append": APPEND_ACTIONS,
    "delete": DELETE_ACTIONS,
}


def level_actions(level: str) -> list[str]:
    """Actions for a level such as ``read+append`` (levels join with ``+``), sorted and deduplicated."""
    actions: set[str] = set()
    for part in level.split("+"):
        if part not in LEVEL_ACTIONS:
            raise ValueError(f"unknown access level {part!r} (one of {sorted(LEVEL_ACTIONS)})")
        actions.update(LEVEL_ACTIONS[part])
    return sorted(actions)


SEND_ACTIONS: tuple[str, ...] = ("sqs:SendMessage",)


def access_of(function: str) -> Access:
    if function not in ACCESS:
        raise KeyError(
            f"function {function!r} has no entry in intentbid.iam.ACCESS: every function must declare what it may touch"
        )
    return effective(function)


def table_statements(access: Access, tables: Tables) -> list[iam.PolicyStatement]:
    statements = []
    for logical, level in sorted(access.tables.items()):
        if logical not in tables.tables:
            raise KeyError(f"ACCESS names table {logical!r}, which no model defines")
        arn = tables.tables[logical].table_arn
        resources = [arn, *(f"{arn}/index/{name}" for name in tables.index_names(logical))]
        statements.append(iam.PolicyStatement(actions=level_actions(level), resources=resources))
    return statements


EMAIL_ACTIONS: tuple[str, ...] = ("ses:SendEmail", "ses:SendRawEmail")


def email_statement(role: iam.IRole, domain: str, address: str) -> iam.PolicyStatement:
    """SES sending as the stage's identity only, and only from its one sender address."""
    from aws_cdk import ArnFormat, Stack

    identity = Stack.of(role).format_arn(
        service="ses", resource="identity", resource_name=domain, arn_format=ArnFormat.SLASH_RESOURCE_NAME
    )
    return iam.PolicyStatement(
        actions=list(EMAIL_ACTIONS),
        resources=[identity],
        conditions={"StringEquals": {"ses:FromAddress": address}},
    )


SECRET_ACTIONS: dict[str, tuple[str, ...]] = {"seal": ("kms:GenerateDataKey",), "open": ("kms:Decrypt",)}


def grant(
    function: str,
    role: iam.IRole,
    *,
    tables: Tables,
    queues: Queues,
    expiry: ExpiryStateMachine,
    secrets_key: kms.IKey | None = None,
    stage: config.StageConfig | None = None,
) -> dict[str, str]:
    """Attach ``function``'s access to ``role``; return the environment variables that go with it."""
    access = access_of(function)
    for statement in table_statements(access, tables):
        role.add_to_principal_policy(statement)
    env: dict[str, str] = {}
    for name in access.queues:
        dlq_of = name.removesuffix("-dlq") if name.endswith("-dlq") else None
        queue = queues.dlqs.get(dlq_of) if dlq_of else queues.queues.get(name)  # a worker may dead-letter itself
        if queue is None:
            raise KeyError(f"ACCESS[{function!r}] sends to queue {name!r}, which QUEUES does not define")
        role.add_to_principal_policy(iam.PolicyStatement(actions=list(SEND_ACTIONS), resources=[queue.queue_arn]))
        env[f"QUEUE_URL_{config.env_suffix(name)}"] = queue.queue_url
    if access.start_expiry:
        expiry.grant_start(role)
        env["EXPIRY_STATE_MACHINE_ARN"] = expiry.state_machine.state_machine_arn
    if access.secrets:
        if secrets_key is None:
            raise KeyError(f"ACCESS[{function!r}] uses the secret box, but the stack has no secrets key")
        actions = sorted({a for use in access.secrets for a in SECRET_ACTIONS[use]})
        role.add_to_principal_policy(iam.PolicyStatement(actions=actions, resources=[secrets_key.key_arn]))
        env["WEBHOOK_SECRETS_KEY_ARN"] = secrets_key.key_arn
    if access.sends_email:
        if stage is None:
            raise KeyError(f"ACCESS[{function!r}] sends email, but no stage (its email identity) was given")
        role.add_to_principal_policy(email_statement(role, stage.email_domain, stage.email_address))
        env["EMAIL_FROM"] = stage.email_from
    return env
