"""Every Lambda function, created from the route table, the worker list and the authorizer name.

One function per route or worker, code = ``functions/<name>/`` zipped as it is (handler ``app.handler``),
plus two layers: the shared package (``layers/shared``) and the third-party dependencies (``layers/deps``,
built by ``make build``). Each function has its own role holding exactly what ``ACCESS`` grants it, its own
log group with the stage's retention, Lambda's JSON log format without its platform lines
(``config.LAMBDA_SYSTEM_LOG_LEVEL``), and X-Ray tracing: active for the API functions and the authorizer (they
follow the API stage's sampling rule), pass-through for the workers (``config.WORKER_TRACING``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from intentbid.routes import ROUTES
from intentbid.workers import AUTHORIZER, NESTED_FUNCTIONS, REALTIME_AUTHORIZER, WEBSOCKET_ROUTES, WORKERS
from intentbid_infra import config, grants
from intentbid_infra.expiry import ExpiryStateMachine
from intentbid_infra.queues import Queues
from intentbid_infra.tables import Tables


def function_sizes() -> dict[str, config.FunctionSize]:
    """Every function name -> its size: routes, workers and the authorizer."""
    sizes = {route.function: config.API_FUNCTION for route in ROUTES}
    sizes.update({worker.function: config.WORKER_FUNCTION for worker in WORKERS})
    sizes[AUTHORIZER] = config.AUTHORIZER_FUNCTION
    sizes[REALTIME_AUTHORIZER] = config.AUTHORIZER_FUNCTION
    sizes.update(dict.fromkeys(WEBSOCKET_ROUTES.values(), config.API_FUNCTION))  # the WebSocket's endpoints
    return sizes


def main_stack_functions() -> list[str]:
    """Every function of the main stack: all but the channels nested stack's (realtime and email)."""
    return [name for name in function_sizes() if name not in NESTED_FUNCTIONS]


def tracing_of(function: str) -> lambda_.Tracing:
    """ACTIVE for what API Gateway invokes (it follows the stage's sampling decision); the workers' mode for
    the stream and queue workers, which no sampled upstream calls."""
    if function in {worker.function for worker in WORKERS}:
        return lambda_.Tracing[config.WORKER_TRACING]
    return lambda_.Tracing.ACTIVE


def code_dir(function: str) -> Path:
    path = config.FUNCTIONS_DIR / function
    if not (path / "app.py").is_file():
        raise FileNotFoundError(
            f"functions/{function}/app.py is missing: the route table or worker list names function "
            f"{function!r}, so its handler must exist (one folder per function, handler app.handler)"
        )
    return path


def deps_layer_asset(*, required: bool) -> Path:
    """``layers/deps.zip`` if built (the reproducible zip ``make build`` writes from requirements.lock: uploaded
    as it is, so the deployed bytes are the built ones); else an empty placeholder layer (synth only) unless
    ``required``."""
    if config.DEPS_LAYER_ZIP.is_file() and (config.DEPS_LAYER_DIR / "python").is_dir():
        return config.DEPS_LAYER_ZIP
    if required:
        raise FileNotFoundError("layers/deps is not built: run `make build` before deploying")
    marker = config.DEPS_PLACEHOLDER_DIR / "python" / "DEPS_LAYER_NOT_BUILT.txt"
    if not marker.is_file():
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("Placeholder for synth without `make build`; deploy the real layers/deps.\n")
    return config.DEPS_PLACEHOLDER_DIR


class InlineRole(iam.Role):
    """A role whose every grant lands in its own inline policy instead of a separate ``AWS::IAM::Policy``: one
    resource per function less (the stack's 500-resource limit; same statements, same policy size limit)."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        document = iam.PolicyDocument()
        super().__init__(scope, construct_id, inline_policies={"access": document}, **kwargs)
        self._document = document

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        self._document.add_statements(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=self)


class Functions(Construct):
    """``functions[name]`` for every route, worker and the authorizer; ``roles[name]`` their roles."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: config.StageConfig,
        tables: Tables,
        queues: Queues,
        expiry: ExpiryStateMachine,
        secrets_key: kms.IKey | None = None,
        require_deps_layer: bool = False,
        names: list[str] | None = None,
        layers: tuple[lambda_.ILayerVersion, lambda_.ILayerVersion] | None = None,
    ) -> None:
        """``names``: the functions to create (default: the main stack's); ``layers``: (shared, deps) layers of
        another stack to reuse instead of creating them (the realtime nested stack uses the main stack's)."""
        super().__init__(scope, construct_id)
        self.stage = stage
        self.secrets_key = secrets_key
        if layers is not None:
            self.shared_layer, self.deps_layer = layers
        else:
            self.shared_layer, self.deps_layer = self._layers(require_deps_layer)
        self.base_env = {
            "STAGE": stage.name,
            "TABLE_PREFIX": config.resource_prefix(stage.name),
            "POWERTOOLS_SERVICE_NAME": config.SERVICE_NAME,
            "POWERTOOLS_METRICS_NAMESPACE": config.METRICS_NAMESPACE,
            "LOG_LEVEL": stage.log_level,
        }
        self.functions: dict[str, lambda_.Function] = {}
        self.roles: dict[str, iam.Role] = {}
        self.log_groups: dict[str, logs.LogGroup] = {}
        sizes = function_sizes()
        for name in names if names is not None else main_stack_functions():
            self._function(name, sizes[name], tables=tables, queues=queues, expiry=expiry)

    def _layers(self, require_deps_layer: bool) -> tuple[lambda_.LayerVersion, lambda_.LayerVersion]:
        shared = lambda_.LayerVersion(
            self,
            "SharedLayer",
            code=lambda_.Code.from_asset(str(config.SHARED_LAYER_DIR), exclude=config.ASSET_EXCLUDES),
            compatible_runtimes=[config.RUNTIME],
            compatible_architectures=[config.ARCHITECTURE],
            description="intentbid shared package (routes, domain, store, services, HTTP adapter)",
        )
        deps = lambda_.LayerVersion(
            self,
            "DepsLayer",
            code=lambda_.Code.from_asset(
                str(deps_layer_asset(required=require_deps_layer)), exclude=config.ASSET_EXCLUDES
            ),
            compatible_runtimes=[config.RUNTIME],
            compatible_architectures=[config.ARCHITECTURE],
            description="third-party dependencies (requirements.lock), arm64 wheels",
        )
        return shared, deps

    def _function(
        self, name: str, size: config.FunctionSize, *, tables: Tables, queues: Queues, expiry: ExpiryStateMachine
    ) -> None:
        cid = config.construct_id(name)
        function_name = config.resource_prefix(self.stage.name) + name
        log_group = logs.LogGroup(
            self,
            f"{cid}Logs",
            log_group_name=f"/aws/lambda/{function_name}",
            retention=self.stage.log_retention,
            removal_policy=self.stage.removal_policy,
        )
        # Own role instead of the default one: no AWSLambdaBasicExecutionRole managed policy, logs only to
        # this function's log group.
        role = InlineRole(
            self,
            f"{cid}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{function_name}: logs, tracing and exactly its ACCESS entry",
        )
        log_group.grant_write(role)
        env = grants.grant(
            name, role, tables=tables, queues=queues, expiry=expiry, secrets_key=self.secrets_key, stage=self.stage
        )
        fn = lambda_.Function(
            self,
            cid,
            function_name=function_name,
            code=lambda_.Code.from_asset(str(code_dir(name)), exclude=config.ASSET_EXCLUDES),
            handler=config.HANDLER,
            runtime=config.RUNTIME,
            architecture=config.ARCHITECTURE,
            layers=[self.shared_layer, self.deps_layer],
            memory_size=size.memory_mb,
            timeout=size.timeout,
            environment={**self.base_env, **env},
            role=role,
            log_group=log_group,
            tracing=tracing_of(name),
            logging_format=lambda_.LoggingFormat.JSON,
            system_log_level_v2=lambda_.SystemLogLevel[config.LAMBDA_SYSTEM_LOG_LEVEL],
            application_log_level_v2=lambda_.ApplicationLogLevel[self.stage.log_level],
            reserved_concurrent_executions=self.stage.reserved_concurrency_of(name),  # stages.py
        )
        self.functions[name] = fn
        self.roles[name] = role
        self.log_groups[name] = log_group
