"""Least privilege from ``intentbid.iam.ACCESS``: each function's role holds exactly the DynamoDB
actions its entry implies, on exactly those tables and their indexes; nobody may Scan; ``*`` is X-Ray only."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from cfn_refs import by_property, grants, ref_id, role_statements
from infra_synth import STAGE, Synth

from intentbid.iam import ACCESS, effective
from intentbid.routes import BY_FUNCTION
from intentbid.store.tables import all_specs
from intentbid.workers import QUEUES, WORKERS
from intentbid_infra import config
from intentbid_infra.functions import function_sizes
from intentbid_infra.grants import LEVEL_ACTIONS, READ_ACTIONS, WRITE_ACTIONS, access_of, level_actions
from intentbid_infra.workers import STREAM_READ_ACTIONS

# One xdist worker synthesizes once for all infra tests (`pytest -n 2 --dist loadgroup`).
pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

FUNCTIONS = sorted(function_sizes())
PREFIX = config.resource_prefix(STAGE)
SPECS = {s.logical_name: s for s in all_specs()}
STREAM_WORKERS = {w.function: w.resource for w in WORKERS if w.source == "stream"}
SQS_WORKERS = {w.function: w.resource for w in WORKERS if w.source == "sqs"}
XRAY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def test_every_function_has_an_access_entry_and_every_entry_a_function() -> None:
    assert sorted(set(FUNCTIONS) - set(ACCESS)) == [], "functions missing from intentbid.iam.ACCESS"
    assert sorted(set(ACCESS) - set(FUNCTIONS)) == [], "ACCESS entries for functions that do not exist"


def test_a_function_without_an_access_entry_fails_synth() -> None:
    with pytest.raises(KeyError, match=r"no entry in intentbid\.iam\.ACCESS"):
        access_of("function_nobody_declared")


def test_access_levels() -> None:
    assert set(READ_ACTIONS) < set(WRITE_ACTIONS)
    assert not any("Scan" in a for actions in LEVEL_ACTIONS.values() for a in actions)
    assert {"dynamodb:UpdateItem", "dynamodb:DeleteItem"}.isdisjoint(LEVEL_ACTIONS["append"])


def _table_ids(synth: Synth) -> dict[str, str]:
    """logical table name -> CloudFormation logical id."""
    by_name = by_property(synth.resources, "AWS::DynamoDB::Table", "TableName")
    return {logical: by_name[PREFIX + logical] for logical in SPECS}


def _role_grants(synth: Synth, function: str) -> set[tuple[str, str]]:
    fn_id = by_property(synth.resources, "AWS::Lambda::Function", "FunctionName")[PREFIX + function]
    role_id = ref_id(synth.props(fn_id)["Role"])
    assert role_id is not None
    assert not synth.props(role_id).get("ManagedPolicyArns"), f"{function}: managed policies on its role"
    return grants(role_statements(synth.resources, role_id))


def _expected_dynamodb(synth: Synth, function: str) -> set[tuple[str, str]]:
    tables = _table_ids(synth)
    expected = set()
    for logical, level in effective(function).tables.items():
        arn = f"{tables[logical]}.Arn"
        resources = [arn, *(f"{arn}/index/{ix.name}" for ix in SPECS[logical].indexes)]
        expected |= {(action, r) for action in level_actions(level) for r in resources}
    if function in STREAM_WORKERS:
        stream = f"{tables[STREAM_WORKERS[function]]}.StreamArn"
        expected |= {(action, stream) for action in STREAM_READ_ACTIONS}
    return expected


@pytest.mark.parametrize("function", FUNCTIONS)
def test_dynamodb_grants_are_exactly_what_access_implies(synth: Synth, function: str) -> None:
    # Given every DynamoDB permission the function's role holds
    actual = {(a, r) for a, r in _role_grants(synth, function) if a.startswith("dynamodb:")}
    # Then it is exactly its ACCESS entry (plus its stream, for a stream worker): nothing on "*", no Scan
    assert actual == _expected_dynamodb(synth, function)
    assert not any(r == "*" or "Scan" in a for a, r in actual)


ROOT = Path(__file__).resolve().parents[2]


def test_the_code_deletes_nothing_and_batch_writes_nothing() -> None:
    """The code path behind the grants: the store (the only module that speaks PynamoDB) has no delete and no
    batch write (RFOs are soft-deleted, audit entries append-only), so no function is granted DeleteItem for
    its own code; the one deleter is Powertools' idempotency layer, which removes a failed request's record."""
    store = ROOT / "layers" / "shared" / "python" / "intentbid" / "store"
    deleting = re.compile(r"\.delete\(|delete_item|batch_write|BatchWrite|DeleteItem|\.delete_items?\b")
    hits = [
        f"{p.name}:{n}"
        for p in store.rglob("*.py")
        # the deployer's (make migrate), never a function's; and the realtime channel's ephemeral items (a ticket
        # consumed, a connection closed or gone), never business data: see those modules
        if p.name not in ("migration_data.py", "realtime.py")
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if deleting.search(line) and "_delete_items" not in line
    ]
    assert hits == []
    from aws_lambda_powertools.utilities.idempotency.persistence.dynamodb import DynamoDBPersistenceLayer

    assert "delete_item" in inspect.getsource(DynamoDBPersistenceLayer._delete_record)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_delete_only_on_idempotency_records_and_batch_write_never(synth: Synth, function: str) -> None:
    """Was: DeleteItem and BatchWriteItem on every table a function writes (28 functions, none deleting)."""
    actual = _role_grants(synth, function)
    assert not any(a == "dynamodb:BatchWriteItem" for a, _ in actual)
    deletes = {r for a, r in actual if a == "dynamodb:DeleteItem"}
    route = BY_FUNCTION.get(function)
    idempotency = f"{_table_ids(synth)['idempotency']}.Arn"
    expected = {idempotency} if route is not None and route.idempotent else set()
    if "delete" in ACCESS[function].tables.get("realtime", ""):  # tickets consumed, connections gone
        realtime = f"{_table_ids(synth)['realtime']}.Arn"
        expected |= {realtime, f"{realtime}/index/by_owner", f"{realtime}/index/by_audience"}
    assert deletes == expected


@pytest.mark.parametrize("function", FUNCTIONS)
def test_outbox_producers_only_append(synth: Synth, function: str) -> None:
    """Producers put their event inside their transaction; only the dispatcher reads or updates the outbox."""
    outbox = f"{_table_ids(synth)['outbox']}.Arn"
    on_outbox = {a for a, r in _role_grants(synth, function) if r == outbox}
    if function != "outbox_dispatch" and on_outbox:
        assert on_outbox == {"dynamodb:PutItem", "dynamodb:DescribeTable"}, on_outbox


@pytest.mark.parametrize("function", FUNCTIONS)
def test_only_xray_is_granted_on_star(synth: Synth, function: str) -> None:
    star = {a for a, r in _role_grants(synth, function) if r == "*" or r.endswith(":*")}
    assert star <= XRAY_ACTIONS  # the reason given for the AwsSolutions-IAM5 acknowledgement


@pytest.mark.parametrize("function", FUNCTIONS)
def test_logs_go_only_to_the_functions_own_log_group(synth: Synth, function: str) -> None:
    fn_id = by_property(synth.resources, "AWS::Lambda::Function", "FunctionName")[PREFIX + function]
    log_group = ref_id(synth.props(fn_id)["LoggingConfig"]["LogGroup"])
    logs = {(a, r) for a, r in _role_grants(synth, function) if a.startswith("logs:")}
    assert logs == {("logs:CreateLogStream", f"{log_group}.Arn"), ("logs:PutLogEvents", f"{log_group}.Arn")}


def _state_machine_id(synth: Synth) -> str:
    (sm,) = synth.of_type("AWS::StepFunctions::StateMachine")
    return sm


@pytest.mark.parametrize("function", FUNCTIONS)
def test_starting_expiry_is_granted_exactly_to_start_expiry_functions(synth: Synth, function: str) -> None:
    states = {(a, r) for a, r in _role_grants(synth, function) if a.startswith("states:")}
    fn_id = by_property(synth.resources, "AWS::Lambda::Function", "FunctionName")[PREFIX + function]
    env = synth.props(fn_id)["Environment"]["Variables"]
    if ACCESS[function].start_expiry:
        assert states == {("states:StartExecution", f"{_state_machine_id(synth)}.Ref")}
        assert ref_id(env["EXPIRY_STATE_MACHINE_ARN"]) == _state_machine_id(synth)
    else:
        assert states == set()
        assert "EXPIRY_STATE_MACHINE_ARN" not in env


@pytest.mark.parametrize("function", FUNCTIONS)
def test_sqs_grants_follow_access_and_the_worker_list(synth: Synth, function: str) -> None:
    queue_ids = by_property(synth.resources, "AWS::SQS::Queue", "QueueName")
    sends = {r for a, r in _role_grants(synth, function) if a == "sqs:SendMessage"}
    receives = {r for a, r in _role_grants(synth, function) if a == "sqs:ReceiveMessage"}
    expected_sends = {f"{queue_ids[PREFIX + q]}.Arn" for q in ACCESS[function].queues}
    if function in STREAM_WORKERS:  # the on-failure destination of its stream mapping
        expected_sends.add(f"{queue_ids[PREFIX + function.replace('_', '-') + '-dlq']}.Arn")
    assert sends == expected_sends
    expected_receives = {f"{queue_ids[PREFIX + SQS_WORKERS[function]]}.Arn"} if function in SQS_WORKERS else set()
    assert receives == expected_receives
    fn_id = by_property(synth.resources, "AWS::Lambda::Function", "FunctionName")[PREFIX + function]
    env = synth.props(fn_id)["Environment"]["Variables"]
    for queue in QUEUES:
        key = f"QUEUE_URL_{queue.logical_name.upper().replace('-', '_')}"
        assert (key in env) == (queue.logical_name in ACCESS[function].queues), key


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_secrets_key_is_granted_exactly_to_the_functions_that_seal_or_open(synth: Synth, function: str) -> None:
    """``ACCESS.secrets``: ``seal`` -> kms:GenerateDataKey, ``open`` -> kms:Decrypt, on the one key, with its ARN
    in the environment; nobody else touches KMS. And no function may allow loopback webhook receivers."""
    (key_id,) = synth.of_type("AWS::KMS::Key")
    kms_grants = {(a, r) for a, r in _role_grants(synth, function) if a.startswith("kms:")}
    fn_id = by_property(synth.resources, "AWS::Lambda::Function", "FunctionName")[PREFIX + function]
    env = synth.props(fn_id)["Environment"]["Variables"]
    wanted = {"seal": "kms:GenerateDataKey", "open": "kms:Decrypt"}
    assert kms_grants == {(wanted[u], f"{key_id}.Arn") for u in ACCESS[function].secrets}
    assert ("WEBHOOK_SECRETS_KEY_ARN" in env) == bool(ACCESS[function].secrets)
    assert "INTENTBID_WEBHOOK_ALLOW_LOCAL" not in env


def test_the_secrets_key_rotates(synth: Synth) -> None:
    (key_id,) = synth.of_type("AWS::KMS::Key")
    assert synth.props(key_id)["EnableKeyRotation"] is True


@pytest.mark.parametrize("function", FUNCTIONS)
def test_ses_sending_is_granted_exactly_to_the_email_worker_as_the_stage_identity(synth: Synth, function: str) -> None:
    """``ACCESS.sends_email``: ses:SendEmail/SendRawEmail on the stage's one identity, only from its sender
    address, with ``EMAIL_FROM`` in the environment; no other function touches SES."""
    stage = config.stage_config(STAGE)
    fn_id = by_property(synth.resources, "AWS::Lambda::Function", "FunctionName")[PREFIX + function]
    role_id = ref_id(synth.props(fn_id)["Role"])
    ses = [st for st in role_statements(synth.resources, role_id) if any(a.startswith("ses:") for a in _actions(st))]
    env = synth.props(fn_id)["Environment"]["Variables"]
    if not ACCESS[function].sends_email:
        assert ses == [] and "EMAIL_FROM" not in env
        return
    (statement,) = ses
    assert sorted(_actions(statement)) == ["ses:SendEmail", "ses:SendRawEmail"]
    (resource,) = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
    rendered = "".join(p if isinstance(p, str) else str(p.get("Ref")) for p in resource["Fn::Join"][1])
    assert rendered.endswith(f":identity/{stage.email_domain}") and ":ses:" in rendered
    assert statement["Condition"] == {"StringEquals": {"ses:FromAddress": stage.email_address}}
    assert env["EMAIL_FROM"] == stage.email_from


def _actions(statement: dict) -> list[str]:  # type: ignore[type-arg]
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def test_only_the_email_worker_sends_email() -> None:
    assert {f for f in FUNCTIONS if ACCESS[f].sends_email} == {"email_send"}
    assert "email" in ACCESS["outbox_dispatch"].queues  # the dispatcher queues the emails
