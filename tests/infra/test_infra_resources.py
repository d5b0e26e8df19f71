"""Tables, queues, workers, the expiry workflow, the functions themselves and the alarms, each checked
against the definition it is derived from."""

from __future__ import annotations

import json

import pytest
from cfn_refs import by_property, grants, mentions, ref_id, role_statements
from infra_synth import STAGE, Synth

from intentbid.routes import ROUTES
from intentbid.store.tables import all_specs
from intentbid.workers import AUTHORIZER, QUEUES, REALTIME_FUNCTIONS, WORKERS
from intentbid_infra import config
from intentbid_infra.expiry import DEFINITION_FILE, QUEUE_URL_PLACEHOLDER
from intentbid_infra.functions import function_sizes

# One xdist worker synthesizes once for all infra tests (`pytest -n 2 --dist loadgroup`).
pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

PREFIX = config.resource_prefix(STAGE)
SPECS = all_specs()


def _key_schema(hash_key, range_key) -> list[dict]:  # type: ignore[no-untyped-def]
    out = [{"AttributeName": hash_key.name, "KeyType": "HASH"}]
    if range_key:
        out.append({"AttributeName": range_key.name, "KeyType": "RANGE"})
    return out


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.logical_name)
def test_tables_match_their_models(synth: Synth, spec) -> None:  # type: ignore[no-untyped-def]
    table_id = by_property(synth.resources, "AWS::DynamoDB::Table", "TableName")[PREFIX + spec.logical_name]
    props = synth.props(table_id)
    assert props["KeySchema"] == _key_schema(spec.hash_key, spec.range_key)
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["SSESpecification"] == {"SSEEnabled": True}  # AWS-managed key
    indexes = {ix["IndexName"]: ix for ix in props.get("GlobalSecondaryIndexes", [])}
    local = {ix["IndexName"]: ix for ix in props.get("LocalSecondaryIndexes", [])}  # e.g. offers.by_rank
    assert set(local) == {ix.name for ix in spec.indexes if ix.local}
    assert set(indexes) == {ix.name for ix in spec.indexes if not ix.local}
    indexes |= local
    for ix in spec.indexes:
        assert indexes[ix.name]["KeySchema"] == _key_schema(ix.hash_key, ix.range_key)
        assert indexes[ix.name]["Projection"]["ProjectionType"] == ix.projection
    attrs = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
    for key in [spec.hash_key, spec.range_key, *(k for ix in spec.indexes for k in (ix.hash_key, ix.range_key))]:
        if key:
            assert attrs[key.name] == key.type
    if spec.stream_view:
        assert props["StreamSpecification"] == {"StreamViewType": spec.stream_view}
    else:
        assert "StreamSpecification" not in props
    if spec.ttl_attribute:
        assert props["TimeToLiveSpecification"] == {"AttributeName": spec.ttl_attribute, "Enabled": True}
    else:
        assert "TimeToLiveSpecification" not in props
    # retention, deletion protection and PITR per stage: test_infra_stages.py


@pytest.mark.parametrize("queue", QUEUES, ids=lambda q: q.logical_name)
def test_queues_have_a_dlq_with_redrive(synth: Synth, queue) -> None:  # type: ignore[no-untyped-def]
    ids = by_property(synth.resources, "AWS::SQS::Queue", "QueueName")
    props = synth.props(ids[PREFIX + queue.logical_name])
    assert props["RedrivePolicy"]["maxReceiveCount"] == queue.max_receive_count
    assert ref_id(props["RedrivePolicy"]["deadLetterTargetArn"]) == ids[f"{PREFIX}{queue.logical_name}-dlq"]
    assert props["VisibilityTimeout"] == queue.visibility_timeout_s


def test_every_queue_is_encrypted_and_tls_only(synth: Synth) -> None:
    policies = [p["Properties"] for p in synth.of_type("AWS::SQS::QueuePolicy").values()]
    for queue_id, queue in synth.of_type("AWS::SQS::Queue").items():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True
        assert any(
            mentions(p["Queues"], queue_id)
            and any(
                st["Effect"] == "Deny" and st["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
                for st in p["PolicyDocument"]["Statement"]
            )
            for p in policies
        ), queue_id


def _mapping_of(synth: Synth, function: str) -> dict:
    fn_id = by_property(synth.resources, "AWS::Lambda::Function", "FunctionName")[PREFIX + function]
    (mapping,) = [
        m["Properties"]
        for m in synth.of_type("AWS::Lambda::EventSourceMapping").values()
        if ref_id(m["Properties"]["FunctionName"]) == fn_id
    ]
    return mapping


@pytest.mark.parametrize("worker", WORKERS, ids=lambda w: w.function)
def test_workers_report_batch_item_failures(synth: Synth, worker) -> None:  # type: ignore[no-untyped-def]
    mapping = _mapping_of(synth, worker.function)
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == worker.batch_size
    if worker.source == "sqs":
        queue_id = by_property(synth.resources, "AWS::SQS::Queue", "QueueName")[PREFIX + worker.resource]
        assert ref_id(mapping["EventSourceArn"]) == queue_id
    else:
        table_id = by_property(synth.resources, "AWS::DynamoDB::Table", "TableName")[PREFIX + worker.resource]
        assert mapping["EventSourceArn"] == {"Fn::GetAtt": [table_id, "StreamArn"]}
        assert mapping["BisectBatchOnFunctionError"] is True
        assert mapping["MaximumRetryAttempts"] == config.STREAM_RETRY_ATTEMPTS
        assert mapping["MaximumRecordAgeInSeconds"] > 0
        dlq = ref_id(mapping["DestinationConfig"]["OnFailure"]["Destination"])
        assert synth.resources[dlq]["Type"] == "AWS::SQS::Queue"


def test_the_rfo_expire_worker_consumes_the_expiry_queue() -> None:
    assert any(w.function == "rfo_expire" and w.source == "sqs" and w.resource == "rfo-expiry" for w in WORKERS)


def _state_machine(synth: Synth) -> tuple[str, dict]:
    ((sm_id, sm),) = synth.of_type("AWS::StepFunctions::StateMachine").items()
    return sm_id, sm["Properties"]


def test_state_machine_definition_is_the_file_with_the_queue_url(synth: Synth) -> None:
    _, props = _state_machine(synth)
    assert props["StateMachineType"] == "STANDARD"
    asset = synth.outdir / f"asset.{props['DefinitionS3Location']['Key']}"
    assert asset.read_text() == DEFINITION_FILE.read_text()
    queue_id = by_property(synth.resources, "AWS::SQS::Queue", "QueueName")[PREFIX + "rfo-expiry"]
    assert props["DefinitionSubstitutions"] == {QUEUE_URL_PLACEHOLDER: {"Ref": queue_id}}
    # After substitution the definition sends to that queue and has no placeholder left.
    substituted = json.loads(asset.read_text().replace("${" + QUEUE_URL_PLACEHOLDER + "}", "QUEUE-URL"))
    assert "${" not in json.dumps(substituted)
    assert substituted["States"]["RequestExpiry"]["Parameters"]["QueueUrl"] == "QUEUE-URL"


def test_state_machine_role_can_only_send_to_the_expiry_queue(synth: Synth) -> None:
    _, props = _state_machine(synth)
    role_id = ref_id(props["RoleArn"])
    assert role_id is not None
    assert not synth.props(role_id).get("ManagedPolicyArns")
    queue_id = by_property(synth.resources, "AWS::SQS::Queue", "QueueName")[PREFIX + "rfo-expiry"]
    assert grants(role_statements(synth.resources, role_id)) == {("sqs:SendMessage", f"{queue_id}.Arn")}


@pytest.mark.parametrize("function", sorted(function_sizes()))
def test_functions_are_arm64_python312_plus_traced_with_both_layers(synth: Synth, function: str) -> None:
    fn_id = by_property(synth.resources, "AWS::Lambda::Function", "FunctionName")[PREFIX + function]
    props = synth.props(fn_id)
    family, _, version = props["Runtime"].partition("python")
    assert family == "" and tuple(int(x) for x in version.split(".")) >= (3, 12), props["Runtime"]
    assert props["Architectures"] == ["arm64"]
    assert props["Handler"] == "app.handler"
    workers = {w.function for w in WORKERS}
    # API functions follow the stage's sampling decision; workers have no upstream trace (README "Cost per million")
    assert props["TracingConfig"] == {"Mode": "PassThrough" if function in workers else "Active"}
    logging = props["LoggingConfig"]
    assert logging["LogFormat"] == "JSON" and logging["SystemLogLevel"] == "WARN"  # no START/END/REPORT lines
    assert logging["ApplicationLogLevel"] == config.stage_config(STAGE).log_level
    layers = {ref_id(layer) for layer in props["Layers"]}
    assert layers == set(synth.of_type("AWS::Lambda::LayerVersion"))
    env = props["Environment"]["Variables"]
    assert env["TABLE_PREFIX"] == PREFIX
    assert env["STAGE"] == STAGE
    assert env["POWERTOOLS_SERVICE_NAME"] == config.SERVICE_NAME
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "IntentBid"
    assert env["LOG_LEVEL"] == config.stage_config(STAGE).log_level
    log_group = ref_id(props["LoggingConfig"]["LogGroup"])
    assert synth.props(log_group)["RetentionInDays"] > 0


def test_one_function_per_route_and_worker_plus_the_authorizer(synth: Synth) -> None:
    names = set(by_property(synth.resources, "AWS::Lambda::Function", "FunctionName"))
    expected = {r.function for r in ROUTES} | {w.function for w in WORKERS} | {AUTHORIZER, *REALTIME_FUNCTIONS}
    assert names == {PREFIX + n for n in expected}


def _alarms(synth: Synth) -> list[dict]:
    return [a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()]


def test_alarms_cover_5xx_latency_authorizer_and_every_dlq(synth: Synth) -> None:
    alarms = _alarms(synth)
    assert any(a["MetricName"] == "5XXError" and a["Namespace"] == "AWS/ApiGateway" for a in alarms)
    assert any(a["MetricName"] == "Latency" and a.get("ExtendedStatistic") == "p99" for a in alarms)
    authorizer = by_property(synth.resources, "AWS::Lambda::Function", "FunctionName")[PREFIX + AUTHORIZER]
    assert any(a["MetricName"] == "Errors" and mentions(a["Dimensions"], authorizer) for a in alarms)
    dlqs = [k for k, q in synth.of_type("AWS::SQS::Queue").items() if q["Properties"]["QueueName"].endswith("-dlq")]
    assert len(dlqs) == len(QUEUES) + sum(w.source == "stream" for w in WORKERS)
    for dlq in dlqs:
        (alarm,) = [a for a in alarms if mentions(a.get("Dimensions", []), dlq)]
        assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        assert alarm["Threshold"] == 0
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"


def test_dashboard_shows_requests_errors_latency_authorizer_and_dlqs(synth: Synth) -> None:
    ((_, dashboard),) = synth.of_type("AWS::CloudWatch::Dashboard").items()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for title in ("Requests", "4xx / 5xx", "Latency p99", "Authorizer errors", "Dead-letter queue depth"):
        assert title in body, title


def test_the_email_channel_has_its_queue_dlq_alarm_worker_and_sent_records(synth: Synth) -> None:
    queues = by_property(synth.resources, "AWS::SQS::Queue", "QueueName")
    queue, dlq = queues[PREFIX + "email"], queues[PREFIX + "email-dlq"]
    props = synth.props(queue)
    assert ref_id(props["RedrivePolicy"]["deadLetterTargetArn"]) == dlq
    assert props["VisibilityTimeout"] >= config.WORKER_FUNCTION.timeout.to_seconds()
    (alarm,) = [a for a in _alarms(synth) if mentions(a.get("Dimensions", []), dlq)]
    assert alarm["AlarmName"] == f"{PREFIX}dlq-email"
    assert ref_id(_mapping_of(synth, "email_send")["EventSourceArn"]) == queue
    tables = by_property(synth.resources, "AWS::DynamoDB::Table", "TableName")
    assert synth.props(tables[PREFIX + "emails"])["TimeToLiveSpecification"]["Enabled"] is True


def test_resource_count_stays_under_cloudformations_limit(synth: Synth) -> None:
    # CloudFormation's hard limit is per template: the main stack's and the channels nested stack's (realtime and
    # email). dev's main stack: 491 with the event log, email and realtime; the next capability goes nested.
    main = json.loads((synth.outdir / f"{synth.stack.stack_name}.template.json").read_text())["Resources"]
    assert len(main) < 500, len(main)
    for name, path in synth.nested.items():
        assert len(json.loads(path.read_text())["Resources"]) < 500, name
