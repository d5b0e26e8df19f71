"""The REST API, built from the route table: a resource per path, a method per route, each integrated
(Lambda proxy) with that route's function; non-public routes behind the REQUEST authorizer.

The authorizer's results are not cached (TTL 0), so a revoked key fails on its next request.
"""

from __future__ import annotations

import json

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_xray as xray
from constructs import Construct

from intentbid.http.problem import PROBLEM_JSON
from intentbid.routes import ROUTES, Route
from intentbid_infra import config
from intentbid_infra.gateway_responses import GATEWAY_PROBLEMS, METHOD_NOT_ALLOWED, body, response_headers

# One JSON object per request; every value quoted so an absent one ("-") stays valid JSON.
ACCESS_LOG_FIELDS: dict[str, str] = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "xrayTraceId": "$context.xrayTraceId",
    "requestTime": "$context.requestTime",
    "ip": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",  # the route template: never $context.path, which holds share tokens
    "protocol": "$context.protocol",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationStatus": "$context.integration.status",
    "integrationLatency": "$context.integration.latency",
    "integrationError": "$context.integration.error",
    "authorizerStatus": "$context.authorizer.status",
    "authorizerLatency": "$context.authorizer.latency",
    "authorizerError": "$context.authorizer.error",
    "principalKind": "$context.authorizer.principal_kind",
    "principalId": "$context.authorizer.principal_id",
    "keyId": "$context.authorizer.key_id",
    "denyCode": "$context.authorizer.deny_code",
    "errorType": "$context.error.responseType",
    "errorMessage": "$context.error.message",
}


def route_method_options(stage: config.StageConfig) -> dict[str, apigw.MethodDeploymentOptions]:
    """The stage's per-route throttles as method settings (``/<path>/<METHOD>``), tighter than its default.
    The stage-wide settings above (metrics, logging level, data trace) are repeated: a method setting replaces
    the stage's ``/*/*`` one for that method."""
    out = {}
    for route in ROUTES:
        limit = stage.route_throttle(route.function)
        if limit is not None:
            out[f"{route.path}/{route.method}"] = apigw.MethodDeploymentOptions(
                throttling_rate_limit=limit.rate,
                throttling_burst_limit=limit.burst,
                metrics_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
            )
    return out


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: config.StageConfig,
        functions: dict[str, lambda_.IFunction],
        authorizer_function: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = logs.LogGroup(
            self,
            "AccessLogs",
            log_group_name=f"/aws/apigateway/{config.resource_prefix(stage.name)}api-access",
            retention=stage.log_retention,
            removal_policy=stage.removal_policy,
        )
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=f"{config.resource_prefix(stage.name)}api",
            description="IntentBid public API (routes from intentbid.routes)",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # API Gateway writes access and execution logs through the account's CloudWatch role.
            cloud_watch_role=True,
            fail_on_warnings=True,
            deploy_options=apigw.StageOptions(
                stage_name=stage.name,
                tracing_enabled=True,
                metrics_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # would log bodies and headers, keys included
                throttling_rate_limit=stage.throttle_rate_limit,
                throttling_burst_limit=stage.throttle_burst_limit,
                method_options=route_method_options(stage),
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS)),
            ),
        )
        # The stage is the traces' entry point: its rule decides, the API functions and the authorizer follow
        # (the default rule, 1/s + 5 %, would record ~15 % of requests at 10 req/s; README "Cost per million").
        self.sampling_rule = xray.CfnSamplingRule(
            self,
            "SamplingRule",
            sampling_rule=xray.CfnSamplingRule.SamplingRuleProperty(
                rule_name=f"{config.resource_prefix(stage.name)}api"[:32],
                priority=100,
                reservoir_size=config.XRAY_RESERVOIR_PER_S,
                fixed_rate=config.XRAY_FIXED_RATE,
                service_name=f"{config.resource_prefix(stage.name)}api/{stage.name}",
                service_type="AWS::ApiGateway::Stage",
                host="*",
                http_method="*",
                url_path="*",
                resource_arn="*",
                version=1,
            ),
        )
        self.authorizer = apigw.RequestAuthorizer(
            self,
            "Authorizer",
            authorizer_name=f"{config.resource_prefix(stage.name)}api-key",
            handler=authorizer_function,
            identity_sources=[apigw.IdentitySource.header(config.AUTH_HEADER)],
            results_cache_ttl=config.AUTHORIZER_CACHE_TTL,
        )
        # Required path parameters are checked; bodies are validated by each endpoint (pydantic).
        self.validator = self.rest_api.add_request_validator(
            "Validator", validate_request_parameters=True, validate_request_body=True
        )
        self.methods: dict[str, apigw.Method] = {}
        for route in ROUTES:
            self.methods[route.function] = self._method(route, functions[route.function])
        allowed: dict[str, set[str]] = {}
        for route in ROUTES:
            allowed.setdefault(route.path, set()).add(route.method)
        # path -> its ANY method: the 405 for every method the path does not declare
        self.not_allowed: dict[str, apigw.Method] = {
            path: self._method_not_allowed(path, sorted(methods)) for path, methods in allowed.items()
        }
        for problem in GATEWAY_PROBLEMS:
            self.rest_api.add_gateway_response(
                problem.response_type,
                type=apigw.ResponseType.of(problem.response_type),
                status_code=str(problem.status),
                response_headers=response_headers(problem),
                templates={"application/json": body(problem)},
            )

    def _method(self, route: Route, fn: lambda_.IFunction) -> apigw.Method:
        resource = self.rest_api.root.resource_for_path(route.path)
        return resource.add_method(
            route.method,
            apigw.LambdaIntegration(fn, proxy=True, allow_test_invoke=False),
            authorization_type=apigw.AuthorizationType.NONE if route.public else apigw.AuthorizationType.CUSTOM,
            authorizer=None if route.public else self.authorizer,
            request_validator=self.validator,
            request_parameters={f"method.request.path.{p}": True for p in route.path_params},
        )

    def _method_not_allowed(self, path: str, methods: list[str]) -> apigw.Method:
        """``ANY`` on the path's resource, answered by API Gateway itself (MOCK): 405 problem+json with ``Allow``.
        API Gateway prefers a resource's explicit methods over ``ANY``, so only undeclared methods reach it, and
        before any authorizer (like the local gateway)."""
        headers = {
            "Allow": f"'{', '.join(methods)}'",
            "Content-Type": f"'{PROBLEM_JSON}'",
            "X-Request-Id": "context.requestId",
        }
        return self.rest_api.root.resource_for_path(path).add_method(
            "ANY",
            # No request template, whatever the Content-Type: the mock answers with its default integration
            # response (the one without a selection pattern), here the 405.
            apigw.MockIntegration(
                passthrough_behavior=apigw.PassthroughBehavior.WHEN_NO_TEMPLATES,
                integration_responses=[
                    apigw.IntegrationResponse(
                        status_code="405",
                        response_parameters={f"method.response.header.{k}": v for k, v in headers.items()},
                        response_templates={"application/json": body(METHOD_NOT_ALLOWED)},
                    )
                ],
            ),
            authorization_type=apigw.AuthorizationType.NONE,
            method_responses=[
                apigw.MethodResponse(
                    status_code="405", response_parameters={f"method.response.header.{k}": True for k in headers}
                )
            ],
        )

    @property
    def url(self) -> str:
        return self.rest_api.url
