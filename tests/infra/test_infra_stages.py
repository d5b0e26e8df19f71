"""What differs per stage (``intentbid_infra.stages``), each difference asserted on the synthesized template of
every stage: data retention, log retention, alarm thresholds and subscribers, API throttles, the WAF, reserved
concurrency, the custom domain (off everywhere by default), and the resource count against CloudFormation's 500.

The expected values are written out here (not read back from ``stages.py``): they are the intent the README's
"Deploy and operate" table states. One synthesis per stage per session (``synth_of``)."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk.assertions import Template
from cfn_refs import by_property, mentions, ref_id
from infra_synth import STAGE_CONTEXT, STAGES, Synth

from intentbid.routes import ROUTES
from intentbid.store.tables import all_specs
from intentbid_infra import stages
from intentbid_infra.domain import ApiDomain
from intentbid_infra.stages import CustomDomain, stage_config
from intentbid_infra.waf import COMMON_RULE_SET

# One xdist worker synthesizes once for all infra tests (`pytest -n 2 --dist loadgroup`).
pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

SynthOf = Callable[[str], Synth]
CFN_RESOURCE_LIMIT = 500

# stage -> (DeletionPolicy of data, deletion protection, PITR, log retention days, DeletionPolicy of log groups)
DATA = {
    "dev": ("Delete", False, False, 14, "Delete"),
    "staging": ("Retain", True, True, 30, "Delete"),
    "prod": ("Retain", True, True, 90, "Retain"),
}
# stage -> (5xx per 5 min, p99 latency ms, authorizer errors per 5 min)
ALARM_THRESHOLDS = {"dev": (1, 5000, 5), "staging": (1, 3000, 1), "prod": (5, 2500, 1)}
# stage -> stage default (rate, burst), and the routes throttled tighter: function -> (rate, burst)
THROTTLES = {
    "dev": ((50, 100), {"vendor_register": (5, 10), "buyer_register": (5, 10), "offer_submit": (20, 40)}),
    "staging": ((100, 200), {"vendor_register": (5, 10), "buyer_register": (5, 10), "offer_submit": (40, 80)}),
    "prod": ((500, 1000), {"vendor_register": (10, 20), "buyer_register": (10, 20), "offer_submit": (200, 400)}),
}
WAF_RATE_PER_5MIN = {"dev": 6000, "staging": 3000, "prod": 3000}
RESERVED = {
    "dev": {},
    "staging": {"webhook_deliver": 10, "outbox_dispatch": 5},
    "prod": {"webhook_deliver": 50, "outbox_dispatch": 20},
}


def _prefix(stage: str) -> str:
    return f"intentbid-{stage}-"


def _function_ids(synth: Synth, stage: str) -> dict[str, str]:
    prefix = _prefix(stage)
    return {
        name.removeprefix(prefix): k
        for name, k in by_property(synth.resources, "AWS::Lambda::Function", "FunctionName").items()
    }


@pytest.mark.parametrize("stage", STAGES)
def test_data_tables_follow_the_stage(synth_of: SynthOf, stage: str) -> None:
    """Staging and prod keep their tables (RETAIN on deletion and replacement), refuse DeleteTable and keep 35 days
    of point-in-time recovery; dev's data is disposable."""
    synth = synth_of(stage)
    policy, protected, pitr, _, _ = DATA[stage]
    tables = synth.of_type("AWS::DynamoDB::Table")
    assert {t["Properties"]["TableName"] for t in tables.values()} == {
        _prefix(stage) + s.logical_name for s in all_specs()
    }
    for table_id, table in tables.items():
        assert table["DeletionPolicy"] == policy and table["UpdateReplacePolicy"] == policy, table_id
        assert table["Properties"]["DeletionProtectionEnabled"] is protected, table_id
        assert table["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": pitr}
    # The key that opens the stored webhook secrets lives as long as the tables holding them.
    (secrets_key,) = [
        k for k, r in synth.of_type("AWS::KMS::Key").items() if "webhook" in r["Properties"]["Description"]
    ]
    assert synth.resources[secrets_key]["DeletionPolicy"] == policy


@pytest.mark.parametrize("stage", STAGES)
def test_log_retention_follows_the_stage(synth_of: SynthOf, stage: str) -> None:
    synth = synth_of(stage)
    _, _, _, days, policy = DATA[stage]
    groups = synth.of_type("AWS::Logs::LogGroup")
    assert len(groups) == len(_function_ids(synth, stage)) + 2  # one per function, and each API's access log
    for group_id, group in groups.items():
        assert group["Properties"]["RetentionInDays"] == days, group_id
        assert group["DeletionPolicy"] == policy, group_id


def _alarms(synth: Synth) -> dict[str, dict[str, Any]]:
    return {a["Properties"]["AlarmName"]: a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()}


@pytest.mark.parametrize("stage", STAGES)
def test_alarm_thresholds_follow_the_stage(synth_of: SynthOf, stage: str) -> None:
    alarms = _alarms(synth_of(stage))
    server_errors, latency_ms, authorizer_errors = ALARM_THRESHOLDS[stage]
    assert alarms[_prefix(stage) + "api-5xx"]["Threshold"] == server_errors
    assert alarms[_prefix(stage) + "api-latency-p99"]["Threshold"] == latency_ms
    assert alarms[_prefix(stage) + "authorizer-errors"]["Threshold"] == authorizer_errors


@pytest.mark.parametrize("stage", STAGES)
def test_the_alarm_topic_and_its_subscribers_follow_the_stage(synth_of: SynthOf, stage: str) -> None:
    """dev pages nobody (no topic, no alarm actions); staging and prod own an encrypted, TLS-only topic that
    every alarm notifies on ALARM and OK, subscribed by the e-mail addresses given in context."""
    synth = synth_of(stage)
    topics = synth.of_type("AWS::SNS::Topic")
    subscriptions = [s["Properties"] for s in synth.of_type("AWS::SNS::Subscription").values()]
    alarms = _alarms(synth)
    if stage == "dev":
        assert topics == {} and subscriptions == []
        assert all("AlarmActions" not in a and "OKActions" not in a for a in alarms.values())
        return
    ((topic_id, topic),) = topics.items()
    assert topic["Properties"]["TopicName"] == _prefix(stage) + "alarms"
    key_id = ref_id(topic["Properties"]["KmsMasterKeyId"])
    assert key_id is not None and synth.resources[key_id]["Type"] == "AWS::KMS::Key"  # customer managed
    key_policy = synth.props(key_id)["KeyPolicy"]["Statement"]
    assert any(st.get("Principal") == {"Service": "cloudwatch.amazonaws.com"} for st in key_policy)
    (policy,) = [p["Properties"] for p in synth.of_type("AWS::SNS::TopicPolicy").values()]
    assert any(
        st["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for st in policy["PolicyDocument"]["Statement"]
    )
    wanted = {e.strip() for e in STAGE_CONTEXT[stage]["alarm_emails"].split(",")}
    assert {s["Endpoint"] for s in subscriptions} == wanted
    assert all(s["Protocol"] == "email" and ref_id(s["TopicArn"]) == topic_id for s in subscriptions)
    assert alarms
    for name, alarm in alarms.items():
        assert [ref_id(a) for a in alarm["AlarmActions"]] == [topic_id], name
        assert [ref_id(a) for a in alarm["OKActions"]] == [topic_id], name


def _method_settings(synth: Synth) -> dict[tuple[str, str], dict[str, Any]]:
    (stage,) = (s["Properties"] for s in synth.of_type("AWS::ApiGateway::Stage").values())
    # ResourcePath: "/" then the path with each "/" as "~1" ("/~1v1~1vendors~1register"); "/*" for every path
    return {(m["HttpMethod"], m["ResourcePath"][1:].replace("~1", "/")): m for m in stage["MethodSettings"]}


@pytest.mark.parametrize("stage", STAGES)
def test_api_throttles_follow_the_stage_tighter_on_registration_and_offers(synth_of: SynthOf, stage: str) -> None:
    settings = _method_settings(synth_of(stage))
    (rate, burst), routes = THROTTLES[stage]
    default = settings.pop(("*", "*"))
    assert (default["ThrottlingRateLimit"], default["ThrottlingBurstLimit"]) == (rate, burst)
    by_function = {r.function: r for r in ROUTES}
    assert set(settings) == {(by_function[f].method, by_function[f].path) for f in routes}
    for function, (route_rate, route_burst) in routes.items():
        route = by_function[function]
        method = settings[(route.method, route.path)]
        assert (method["ThrottlingRateLimit"], method["ThrottlingBurstLimit"]) == (route_rate, route_burst)
        assert route_rate < rate and route_burst < burst  # tighter than the stage's default
        # a method setting replaces the stage's for that method: the rest of it is repeated
        assert {k: method[k] for k in ("MetricsEnabled", "LoggingLevel", "DataTraceEnabled")} == {
            k: default[k] for k in ("MetricsEnabled", "LoggingLevel", "DataTraceEnabled")
        }


@pytest.mark.parametrize("stage", STAGES)
def test_a_waf_web_acl_guards_the_api_stage(synth_of: SynthOf, stage: str) -> None:
    """REGIONAL web ACL on the stage: a per-IP rate-based rule answering 429, then the AWS common rule set
    (blocking; bodies over 8 KB and IPv4 URLs in bodies only counted: the API takes up to 256 KB, and a webhook
    endpoint may name a public IPv4 host, which the outbound guard checks); everything else allowed."""
    synth = synth_of(stage)
    ((acl_id, acl),) = synth.of_type("AWS::WAFv2::WebACL").items()
    props = acl["Properties"]
    assert props["Scope"] == "REGIONAL" and props["DefaultAction"] == {"Allow": {}}
    rate, common = sorted(props["Rules"], key=lambda r: r["Priority"])
    assert rate["Statement"]["RateBasedStatement"] == {
        "Limit": WAF_RATE_PER_5MIN[stage],
        "AggregateKeyType": "IP",
        "EvaluationWindowSec": 300,
    }
    response = rate["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429
    body = props["CustomResponseBodies"][response["CustomResponseBodyKey"]]
    assert body["ContentType"] == "APPLICATION_JSON"
    assert json.loads(body["Content"])["status"] == 429 and json.loads(body["Content"])["code"] == "rate_limited"
    group = common["Statement"]["ManagedRuleGroupStatement"]
    assert (group["VendorName"], group["Name"]) == ("AWS", COMMON_RULE_SET)
    assert common["OverrideAction"] == {"None": {}}  # the group's own actions (block) apply
    assert group["RuleActionOverrides"] == [
        {"Name": "SizeRestrictions_BODY", "ActionToUse": {"Count": {}}},
        {"Name": "GenericRFI_BODY", "ActionToUse": {"Count": {}}},
    ]
    for rule in (rate, common):
        assert rule["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True
    ((_, association),) = synth.of_type("AWS::WAFv2::WebACLAssociation").items()
    (api_stage_id,) = synth.of_type("AWS::ApiGateway::Stage")
    (rest_api_id,) = synth.of_type("AWS::ApiGateway::RestApi")
    arn = association["Properties"]["ResourceArn"]
    assert mentions(arn, api_stage_id) and mentions(arn, rest_api_id)
    assert ref_id(association["Properties"]["WebACLArn"]) == acl_id


@pytest.mark.parametrize("stage", STAGES)
def test_reserved_concurrency_caps_the_runaway_candidates(synth_of: SynthOf, stage: str) -> None:
    """The webhook delivery worker and the outbox dispatcher are capped in staging and prod (dev accounts often
    have 10 concurrent executions, none of which may be reserved); the SQS poller never exceeds the cap."""
    synth = synth_of(stage)
    ids = _function_ids(synth, stage)
    reserved = {
        name: synth.props(fn_id)["ReservedConcurrentExecutions"]
        for name, fn_id in ids.items()
        if "ReservedConcurrentExecutions" in synth.props(fn_id)
    }
    assert reserved == RESERVED[stage]
    (mapping,) = [
        m["Properties"]
        for m in synth.of_type("AWS::Lambda::EventSourceMapping").values()
        if ref_id(m["Properties"]["FunctionName"]) == ids["webhook_deliver"]
    ]
    if stage == "dev":
        assert "ScalingConfig" not in mapping
    else:
        assert mapping["ScalingConfig"] == {"MaximumConcurrency": RESERVED[stage]["webhook_deliver"]}


@pytest.mark.parametrize("stage", STAGES)
def test_no_stage_has_a_custom_domain_by_default(synth_of: SynthOf, stage: str) -> None:
    synth = synth_of(stage)
    assert synth.of_type("AWS::ApiGateway::DomainName") == {}
    assert synth.of_type("AWS::ApiGateway::BasePathMapping") == {}


def template_sizes(synth: Any) -> dict[str, int]:
    """Resources per template: the main stack's and each nested stack's (CloudFormation's limit is per template)."""
    main = synth.outdir / f"{synth.stack.stack_name}.template.json"
    files = {"main": main, **synth.nested}
    return {name: len(json.loads(path.read_text())["Resources"]) for name, path in files.items()}


def test_resource_count_per_stage_stays_under_cloudformations_limit(synth_of: SynthOf) -> None:
    """Every stage fits in one stack; staging and prod differ from dev exactly by their alarm topic (its key,
    topic, TLS policy and one subscription per address). The counts print with ``-s``."""
    counts = {stage: Counter(r["Type"] for r in synth_of(stage).resources.values()) for stage in STAGES}
    per_template = {stage: template_sizes(synth_of(stage)) for stage in STAGES}
    print(per_template)
    for stage, sizes in per_template.items():
        assert max(sizes.values()) <= CFN_RESOURCE_LIMIT, (stage, sizes)  # the limit is per template
    for stage, count in counts.items():
        extra = count - counts["dev"]
        emails = len(STAGE_CONTEXT[stage].get("alarm_emails", "").split(",")) if stage != "dev" else 0
        expected = (
            Counter(
                {"AWS::KMS::Key": 1, "AWS::SNS::Topic": 1, "AWS::SNS::TopicPolicy": 1, "AWS::SNS::Subscription": emails}
            )
            if stage != "dev"
            else Counter()
        )
        assert extra == expected, stage
        assert counts["dev"] - count == Counter(), stage


# --- the custom domain, on a small stack of its own (no full synthesis for an option that is off by default)


def test_a_custom_domain_maps_a_regional_tls12_name_to_the_api_stage_with_its_alias_record() -> None:
    stack = Stack(App(), "Domain")
    api = apigw.RestApi(stack, "Api", deploy_options=apigw.StageOptions(stage_name="prod"))
    api.root.add_method("GET")
    domain = stage_config(
        "prod",
        context={
            "domain_name": "api.example.com",
            "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
            "hosted_zone_id": "Z123",
            "hosted_zone_name": "example.com",
        },
    ).custom_domain
    assert domain is not None
    ApiDomain(stack, "Domain", domain=domain, rest_api=api)
    template = Template.from_stack(stack)
    ((name_id, name),) = template.find_resources("AWS::ApiGateway::DomainName").items()
    assert name["Properties"]["DomainName"] == "api.example.com"
    assert name["Properties"]["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert name["Properties"]["SecurityPolicy"] == "TLS_1_2"
    assert name["Properties"]["RegionalCertificateArn"] == domain.certificate_arn
    ((_, mapping),) = template.find_resources("AWS::ApiGateway::BasePathMapping").items()
    assert ref_id(mapping["Properties"]["DomainName"]) == name_id
    assert ref_id(mapping["Properties"]["Stage"]) is not None
    ((_, record),) = template.find_resources("AWS::Route53::RecordSet").items()
    assert record["Properties"]["Type"] == "A" and record["Properties"]["HostedZoneId"] == "Z123"
    assert mentions(record["Properties"]["AliasTarget"], name_id)


# --- stage_config: what comes from context and the environment


def test_every_stage_is_off_the_custom_domain_and_dev_has_no_alarm_topic() -> None:
    assert all(stages.STAGES[s].custom_domain is None for s in STAGES)
    assert stages.STAGES["dev"].alarm_topic is False
    with pytest.raises(ValueError, match="unknown stage 'qa'"):
        stage_config("qa")


def test_alarm_emails_come_from_context_else_the_environment_and_never_to_dev() -> None:
    env = {stages.ALARM_EMAILS_ENV: "a@example.com, b@example.com"}
    assert stage_config("staging", environ=env).alarm_emails == ("a@example.com", "b@example.com")
    assert stage_config("prod", {"alarm_emails": "c@example.com"}, environ=env).alarm_emails == ("c@example.com",)
    assert stage_config("staging", environ={}).alarm_emails == ()
    assert stage_config("dev", environ=env).alarm_emails == ()  # an ambient variable does not page for dev
    with pytest.raises(ValueError, match="no alarm topic"):
        stage_config("dev", {"alarm_emails": "a@example.com"}, environ={})
    with pytest.raises(ValueError, match="is not an address"):
        stage_config("prod", {"alarm_emails": "ops"}, environ={})


def test_context_values_may_be_given_per_stage() -> None:
    context = {
        "alarm_emails": {"prod": ["p@example.com"], "staging": "s@example.com"},
        "domain_name": {"prod": "api.example.com"},
        "certificate_arn": {"prod": "arn:aws:acm:x"},
    }
    prod, staging = stage_config("prod", context, environ={}), stage_config("staging", context, environ={})
    assert prod.alarm_emails == ("p@example.com",) and staging.alarm_emails == ("s@example.com",)
    assert prod.custom_domain == CustomDomain("api.example.com", "arn:aws:acm:x")
    assert staging.custom_domain is None and stage_config("dev", context, environ={}).alarm_emails == ()


def test_a_custom_domain_needs_its_certificate_and_a_whole_zone() -> None:
    with pytest.raises(ValueError, match="certificate_arn"):
        stage_config("prod", {"domain_name": "api.example.com"}, environ={})
    with pytest.raises(ValueError, match="hosted_zone_id and hosted_zone_name"):
        stage_config(
            "prod",
            {"domain_name": "api.example.com", "certificate_arn": "arn:aws:acm:x", "hosted_zone_id": "Z1"},
            environ={},
        )
    assert stage_config(
        "prod", {"domain_name": "api.example.com", "certificate_arn": "arn:aws:acm:x"}, environ={}
    ).custom_domain == CustomDomain("api.example.com", "arn:aws:acm:x")


def test_a_stage_refuses_throttles_and_reservations_for_unknown_functions_and_too_small_reservations() -> None:
    base = stages.STAGES["dev"]
    with pytest.raises(ValueError, match="names no route"):
        dataclasses.replace(base, route_throttles=(("no_such_route", stages.Throttle(1, 1)),))
    with pytest.raises(ValueError, match="outbox_dispatch must be >= 1"):
        dataclasses.replace(base, reserved_concurrency=(("outbox_dispatch", 0),))
    with pytest.raises(ValueError, match="webhook_deliver must be >= 2"):  # an SQS poller needs 2
        dataclasses.replace(base, reserved_concurrency=(("webhook_deliver", 1),))
    with pytest.raises(ValueError, match="names no function"):  # a typo would silently reserve nothing
        dataclasses.replace(base, reserved_concurrency=(("webhook_delivery", 5),))
