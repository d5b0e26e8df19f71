"""The realtime nested stack: the WebSocket API's routes, the ticket authorizer on $connect only, the stage's
access logs, the connections table's TTL and indexes, the realtime queue's DLQ and alarm, the push worker's
Management API grant and endpoint, and the main stack's wiring (ticket route URL, dispatcher's queue)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from cfn_refs import by_property, ref_id, role_statements
from infra_synth import STAGE, Synth

from intentbid.workers import NESTED_FUNCTIONS, WEBSOCKET_ROUTES
from intentbid_infra import config
from intentbid_infra.realtime import TICKET_QUERY

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]
PREFIX = config.resource_prefix(STAGE)


def _nested(synth: Synth) -> dict:  # type: ignore[type-arg]
    (path,) = synth.nested.values()
    return dict(json.loads(Path(path).read_text())["Resources"])


def _function_id(synth: Synth, name: str) -> str:
    return by_property(synth.resources, "AWS::Lambda::Function", "FunctionName")[PREFIX + name]


def test_the_websocket_part_lives_in_the_nested_stack(synth: Synth) -> None:
    nested = _nested(synth)
    types = {r["Type"] for r in nested.values()}
    assert {"AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Stage", "AWS::ApiGatewayV2::Route"} <= types
    assert {"AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::CloudWatch::Alarm"} <= types
    names = {r["Properties"].get("FunctionName") for r in nested.values() if r["Type"] == "AWS::Lambda::Function"}
    assert names == {PREFIX + f for f in NESTED_FUNCTIONS}
    main = synth.template.to_json()["Resources"]
    assert not any(r["Type"].startswith("AWS::ApiGatewayV2::") for r in main.values())
    assert len(main) < 500 and len(nested) < 500


def test_routes_and_the_ticket_authorizer_on_connect_only(synth: Synth) -> None:
    routes = {r["Properties"]["RouteKey"]: r["Properties"] for r in synth.of_type("AWS::ApiGatewayV2::Route").values()}
    assert set(routes) == set(WEBSOCKET_ROUTES)
    (authorizer_id, authorizer) = next(iter(synth.of_type("AWS::ApiGatewayV2::Authorizer").items()))
    assert authorizer["Properties"]["AuthorizerType"] == "REQUEST"
    assert authorizer["Properties"]["IdentitySource"] == [TICKET_QUERY]
    assert _function_id(synth, "realtime_authorize") in json.dumps(authorizer["Properties"]["AuthorizerUri"])
    assert routes["$connect"]["AuthorizationType"] == "CUSTOM"
    assert ref_id(routes["$connect"]["AuthorizerId"]) == authorizer_id
    assert routes["$disconnect"].get("AuthorizationType", "NONE") == "NONE"
    integrations = synth.of_type("AWS::ApiGatewayV2::Integration")
    for key, function in WEBSOCKET_ROUTES.items():
        target = routes[key]["Target"]
        (integration_id,) = [i for i in integrations if i in json.dumps(target)]
        assert _function_id(synth, function) in json.dumps(integrations[integration_id]["Properties"]["IntegrationUri"])


def test_the_stage_logs_access_and_is_throttled(synth: Synth) -> None:
    (stage,) = [s["Properties"] for s in synth.of_type("AWS::ApiGatewayV2::Stage").values()]
    assert stage["StageName"] == STAGE and stage["AutoDeploy"] is True
    fields = json.loads(stage["AccessLogSettings"]["Format"])
    assert fields["requestId"] == "$context.requestId" and "connectionId" in fields
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0


def test_the_connections_table_has_ttl_and_owner_and_audience_indexes(synth: Synth) -> None:
    table_id = by_property(synth.resources, "AWS::DynamoDB::Table", "TableName")[PREFIX + "realtime"]
    assert table_id in _nested(synth)
    props = synth.props(table_id)
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expire_at", "Enabled": True}
    assert {ix["IndexName"] for ix in props["GlobalSecondaryIndexes"]} == {"by_owner", "by_audience"}


def test_the_realtime_queue_has_a_dlq_and_an_alarm_on_it(synth: Synth) -> None:
    queues = by_property(synth.resources, "AWS::SQS::Queue", "QueueName")
    props = synth.props(queues[PREFIX + "realtime"])
    assert ref_id(props["RedrivePolicy"]["deadLetterTargetArn"]) == queues[PREFIX + "realtime-dlq"]
    alarms = [a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()]
    (alarm,) = [a for a in alarms if a.get("AlarmName") == PREFIX + "dlq-realtime"]
    (dim,) = alarm["Dimensions"]
    assert ref_id(dim["Value"]) == queues[PREFIX + "realtime-dlq"] or queues[PREFIX + "realtime-dlq"] in json.dumps(
        dim["Value"]
    )


def test_the_push_worker_may_post_to_connections_of_its_stage_only(synth: Synth) -> None:
    fn = synth.props(_function_id(synth, "realtime_push"))
    assert "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI" in fn["Environment"]["Variables"]
    statements = role_statements(synth.resources, ref_id(fn["Role"]) or "")
    manage = [s for s in statements if "execute-api:ManageConnections" in json.dumps(s["Action"])]
    assert manage and all(f"/{STAGE}/*/@connections/*" in json.dumps(s["Resource"]) for s in manage)


def test_the_main_stack_wires_the_ticket_url_and_the_dispatchers_queue(synth: Synth) -> None:
    env = synth.props(_function_id(synth, "realtime_ticket"))["Environment"]["Variables"]
    assert "wss://" in json.dumps(env["REALTIME_URL"])
    dispatch = synth.props(_function_id(synth, "outbox_dispatch"))["Environment"]["Variables"]
    queues = by_property(synth.resources, "AWS::SQS::Queue", "QueueName")
    assert queues[PREFIX + "realtime"] in json.dumps(dispatch["QUEUE_URL_REALTIME"])


def test_cfn_lint_is_clean_on_the_nested_template(synth: Synth) -> None:
    from test_infra_checks import CFN_LINT_IGNORED

    (path,) = synth.nested.values()
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(cfn_lint), "--format", "parseable", "--ignore-checks", *CFN_LINT_IGNORED, "--", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
