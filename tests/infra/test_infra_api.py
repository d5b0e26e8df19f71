"""The REST API mirrors the route table: a method per route, on its path, to its function, authorized iff
non-public; the authorizer is uncached; API Gateway's own errors are problem+json."""

from __future__ import annotations

import json

import pytest
from cfn_refs import by_property, mentions, ref_id, resource_paths
from infra_synth import STAGE, Synth

from intentbid.http.problem import PROBLEM_JSON
from intentbid.routes import ROUTES, Route, arn_path
from intentbid.workers import AUTHORIZER
from intentbid_infra import config
from intentbid_infra.gateway_responses import GATEWAY_PROBLEMS

# One xdist worker synthesizes once for all infra tests (`pytest -n 2 --dist loadgroup`).
pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]


def _function_id(synth: Synth, name: str) -> str:
    return by_property(synth.resources, "AWS::Lambda::Function", "FunctionName")[config.resource_prefix(STAGE) + name]


def _methods(synth: Synth) -> dict[tuple[str, str], dict]:
    paths = resource_paths(synth.resources)
    out = {}
    for method in synth.of_type("AWS::ApiGateway::Method").values():
        p = method["Properties"]
        resource = ref_id(p["ResourceId"])
        path = paths.get(resource, "/") if resource else "/"
        out[(p["HttpMethod"], path)] = p
    return out


def _authorizer_id(synth: Synth) -> str:
    (authorizer_id,) = synth.of_type("AWS::ApiGateway::Authorizer")
    return authorizer_id


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.function)
def test_every_route_has_its_method_integrated_with_its_function(synth: Synth, route: Route) -> None:
    # Given the method API Gateway will serve for this route
    method = _methods(synth).get((route.method, route.path))
    assert method is not None, f"no {route.method} {route.path}"
    # Then it proxies to this route's own function
    integration = method["Integration"]
    assert integration["Type"] == "AWS_PROXY"
    assert integration["IntegrationHttpMethod"] == "POST"
    assert mentions(integration["Uri"], _function_id(synth, route.function))
    # And it is behind the authorizer exactly when the route is not public
    if route.public:
        assert method["AuthorizationType"] == "NONE"
        assert "AuthorizerId" not in method
    else:
        assert method["AuthorizationType"] == "CUSTOM"
        assert ref_id(method["AuthorizerId"]) == _authorizer_id(synth)
    for param in route.path_params:
        assert method["RequestParameters"][f"method.request.path.{param}"] is True


def test_the_api_has_no_method_the_route_table_lacks(synth: Synth) -> None:
    declared = {key for key in _methods(synth) if key[0] != "ANY"}
    assert declared == {(r.method, r.path) for r in ROUTES}


def test_every_path_answers_an_undeclared_method_with_405_and_allow(synth: Synth) -> None:
    """Each route path has an ANY method (explicit methods win over it in API Gateway): a MOCK, before any
    authorizer, answering 405 problem+json ``method_not_allowed`` with ``Allow`` listing the path's methods.
    Paths outside the table have no ANY (they stay MISSING_AUTHENTICATION_TOKEN: 404 problem+json)."""
    by_path: dict[str, set[str]] = {}
    for route in ROUTES:
        by_path.setdefault(route.path, set()).add(route.method)
    methods = _methods(synth)
    assert {path for method, path in methods if method == "ANY"} == set(by_path)
    for path, declared in by_path.items():
        any_method = methods[("ANY", path)]
        assert any_method["AuthorizationType"] == "NONE"
        integration = any_method["Integration"]
        assert integration["Type"] == "MOCK"
        assert "RequestTemplates" not in integration  # any Content-Type reaches the default response
        (response,) = integration["IntegrationResponses"]
        assert response["StatusCode"] == "405" and "SelectionPattern" not in response
        headers = response["ResponseParameters"]
        assert headers["method.response.header.Allow"] == f"'{', '.join(sorted(declared))}'"
        assert headers["method.response.header.Content-Type"] == f"'{PROBLEM_JSON}'"
        body = json.loads(response["ResponseTemplates"]["application/json"])
        assert body["status"] == 405 and body["code"] == "method_not_allowed"
        assert body["type"] == "/$context.stage/errors/method_not_allowed" and body["instance"] == "$context.requestId"
        (method_response,) = any_method["MethodResponses"]
        assert method_response["StatusCode"] == "405"
        assert set(method_response["ResponseParameters"]) == set(headers)


def test_each_function_may_be_invoked_only_through_its_own_route(synth: Synth) -> None:
    for route in ROUTES:
        fn = _function_id(synth, route.function)
        permissions = [
            p["Properties"]
            for p in synth.of_type("AWS::Lambda::Permission").values()
            if ref_id(p["Properties"]["FunctionName"]) == fn
        ]
        assert len(permissions) == 1, route.function  # no test-invoke permission, no other caller
        source = json.dumps(permissions[0]["SourceArn"])
        assert f"/{route.method}{arn_path(route.path)}" in source, source


def test_authorizer_is_an_uncached_request_authorizer_on_the_authorization_header(synth: Synth) -> None:
    props = synth.props(_authorizer_id(synth))
    assert props["Type"] == "REQUEST"
    assert props["AuthorizerResultTtlInSeconds"] == 0  # revocation is immediate
    assert props["IdentitySource"] == "method.request.header.Authorization"
    assert mentions(props["AuthorizerUri"], _function_id(synth, AUTHORIZER))


def _gateway_responses(synth: Synth) -> dict[str, dict]:
    return {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in synth.of_type("AWS::ApiGateway::GatewayResponse").values()
    }


def _problem(template: str) -> dict:
    # $context.error.messageString is a quoted string at run time; stand one in to parse the template.
    return json.loads(template.replace("$context.error.messageString", '"message"'))


def test_gateway_responses_are_problem_json(synth: Synth) -> None:
    responses = _gateway_responses(synth)
    assert set(responses) == {p.response_type for p in GATEWAY_PROBLEMS}
    for response_type, props in responses.items():
        headers = props["ResponseParameters"]
        assert headers["gatewayresponse.header.Content-Type"] == f"'{PROBLEM_JSON}'", response_type
        assert headers["gatewayresponse.header.X-Request-Id"] == "context.requestId", response_type
        body = _problem(props["ResponseTemplates"]["application/json"])
        assert {"type", "title", "status", "detail", "instance", "code"} <= set(body), response_type
        assert body["status"] == int(props["StatusCode"]), response_type
        assert body["instance"] == "$context.requestId"
        assert body["type"] == "/$context.stage/errors/" + body["code"]


@pytest.mark.parametrize(
    ("response_type", "status", "code"),
    [
        ("UNAUTHORIZED", 401, "unauthenticated"),
        ("ACCESS_DENIED", 403, "$context.authorizer.deny_code"),
        ("THROTTLED", 429, "rate_limited"),
        ("REQUEST_TOO_LARGE", 413, "payload_too_large"),
        ("MISSING_AUTHENTICATION_TOKEN", 404, "not_found"),
        ("AUTHORIZER_FAILURE", 503, "service_unavailable"),
        ("AUTHORIZER_CONFIGURATION_ERROR", 500, "internal_error"),
        ("INTEGRATION_FAILURE", 502, "bad_gateway"),
        ("DEFAULT_4XX", 400, "bad_request"),
        ("DEFAULT_5XX", 500, "internal_error"),
    ],
)
def test_gateway_response_codes(synth: Synth, response_type: str, status: int, code: str) -> None:
    props = _gateway_responses(synth)[response_type]
    assert int(props["StatusCode"]) == status
    assert _problem(props["ResponseTemplates"]["application/json"])["code"] == code


def test_throttled_responses_say_when_to_retry(synth: Synth) -> None:
    headers = _gateway_responses(synth)["THROTTLED"]["ResponseParameters"]
    assert headers["gatewayresponse.header.Retry-After"] == "'1'"


def test_the_stage_samples_traces_by_its_own_rule(synth: Synth) -> None:
    (stage,) = (s["Properties"] for s in synth.of_type("AWS::ApiGateway::Stage").values())
    (api,) = (r["Properties"] for r in synth.of_type("AWS::ApiGateway::RestApi").values())
    (rule,) = (r["Properties"]["SamplingRule"] for r in synth.of_type("AWS::XRay::SamplingRule").values())
    assert rule["ServiceName"] == f"{api['Name']}/{stage['StageName']}"
    assert rule["ServiceType"] == "AWS::ApiGateway::Stage"
    assert rule["ReservoirSize"] == config.XRAY_RESERVOIR_PER_S and rule["FixedRate"] == config.XRAY_FIXED_RATE
    assert 0 < rule["FixedRate"] < 0.05  # below the default rule's 5 %
    assert len(rule["RuleName"]) <= 32


def test_stage_logs_json_access_logs_traces_and_throttles(synth: Synth) -> None:
    (stage,) = (s["Properties"] for s in synth.of_type("AWS::ApiGateway::Stage").values())
    assert stage["StageName"] == STAGE
    assert stage["TracingEnabled"] is True
    access_log = json.loads(stage["AccessLogSetting"]["Format"])
    assert {"requestId", "status", "authorizerError", "keyId", "responseLatency"} <= set(access_log)
    (log_group,) = [
        k for k in synth.of_type("AWS::Logs::LogGroup") if mentions(stage["AccessLogSetting"]["DestinationArn"], k)
    ]
    assert synth.props(log_group)["RetentionInDays"] > 0
    (settings,) = [m for m in stage["MethodSettings"] if (m["HttpMethod"], m["ResourcePath"]) == ("*", "/*")]
    stage_config = config.stage_config(STAGE)
    assert settings["ThrottlingRateLimit"] == stage_config.throttle_rate_limit
    assert settings["ThrottlingBurstLimit"] == stage_config.throttle_burst_limit
    assert settings["DataTraceEnabled"] is False  # would log keys


def test_access_logs_never_carry_a_concrete_path(synth: Synth) -> None:
    """``$context.path`` of ``GET /v1/public/rfos/{token}`` is the share token itself: the access log holds the
    route template (``$context.resourcePath``) and nothing else derived from the URL."""
    (stage,) = (s["Properties"] for s in synth.of_type("AWS::ApiGateway::Stage").values())
    fmt = stage["AccessLogSetting"]["Format"]
    assert json.loads(fmt)["resourcePath"] == "$context.resourcePath"
    for leaky in ("$context.path", "$context.requestOverride", "$context.domainPrefix", "$input", "$request"):
        assert leaky not in fmt, leaky
