"""Dashboard and alarms (DESIGN.md §8): API traffic, errors and p99 latency, authorizer errors, DLQ depths."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from intentbid_infra import config


class Observability(Construct):
    """``alarms`` by name, with the stage's thresholds; each notifies the stage's ``alarm_topic`` and the topic
    ``alarm_topic_arn`` (context) when they are given."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: config.StageConfig,
        rest_api: apigw.RestApi,
        authorizer: lambda_.IFunction,
        functions: dict[str, lambda_.IFunction],
        dead_letter_queues: dict[str, sqs.IQueue],
        alarm_topic_arn: str | None = None,
        alarm_topic: sns.ITopic | None = None,
        nested_alarms: dict[str, cw.Alarm] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        period = config.ALARM_PERIOD
        requests = rest_api.metric_count(period=period, statistic="Sum")
        client_errors = rest_api.metric_client_error(period=period, statistic="Sum")
        server_errors = rest_api.metric_server_error(period=period, statistic="Sum")
        latency_p99 = rest_api.metric_latency(period=period, statistic="p99")
        integration_p99 = rest_api.metric_integration_latency(period=period, statistic="p99")
        authorizer_errors = authorizer.metric_errors(period=period, statistic="Sum")
        authorizer_throttles = authorizer.metric_throttles(period=period, statistic="Sum")
        dlq_depths = {
            name: queue.metric_approximate_number_of_messages_visible(period=period, statistic="Maximum")
            for name, queue in sorted(dead_letter_queues.items())
        }

        self.alarms: dict[str, cw.Alarm] = {
            "api-5xx": server_errors.create_alarm(
                self,
                "Api5xx",
                alarm_name=f"{config.resource_prefix(stage.name)}api-5xx",
                alarm_description="API answered 5xx (gateway or endpoint failures)",
                threshold=stage.api_5xx_alarm_threshold,
                evaluation_periods=1,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            ),
            "api-latency-p99": latency_p99.create_alarm(
                self,
                "ApiLatencyP99",
                alarm_name=f"{config.resource_prefix(stage.name)}api-latency-p99",
                alarm_description=f"API p99 latency above {stage.latency_p99_alarm_ms} ms for 15 minutes",
                threshold=stage.latency_p99_alarm_ms,
                evaluation_periods=3,
                datapoints_to_alarm=3,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            ),
            "authorizer-errors": authorizer_errors.create_alarm(
                self,
                "AuthorizerErrors",
                alarm_name=f"{config.resource_prefix(stage.name)}authorizer-errors",
                alarm_description="The authorizer failed (callers got 500 instead of a decision)",
                threshold=stage.authorizer_error_alarm_threshold,
                evaluation_periods=1,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            ),
        }
        for name, depth in dlq_depths.items():
            self.alarms[f"dlq-{name}"] = depth.create_alarm(
                self,
                f"Dlq{config.construct_id(name)}",
                alarm_name=f"{config.resource_prefix(stage.name)}dlq-{name}",
                alarm_description=f"Messages are waiting in the dead-letter queue of {name}",
                threshold=0,
                evaluation_periods=1,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            )

        self.alarms.update(nested_alarms or {})  # defined in a nested stack (the channels'), notified the same way
        topics = [alarm_topic] if alarm_topic is not None else []
        if alarm_topic_arn:
            topics.append(sns.Topic.from_topic_arn(self, "AlarmTopic", alarm_topic_arn))
        for topic in topics:
            for alarm in self.alarms.values():
                alarm.add_alarm_action(cw_actions.SnsAction(topic))
                alarm.add_ok_action(cw_actions.SnsAction(topic))

        function_errors = [
            fn.metric_errors(period=period, statistic="Sum", label=name) for name, fn in sorted(functions.items())
        ]
        self.dashboard = cw.Dashboard(
            self,
            "Dashboard",
            dashboard_name=f"{config.resource_prefix(stage.name)}overview",
            default_interval=Duration.hours(6),
        )
        self.dashboard.add_widgets(
            cw.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms.values()), width=24, height=3),
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(title="Requests", left=[requests], width=8),
            cw.GraphWidget(title="4xx / 5xx", left=[client_errors], right=[server_errors], width=8),
            cw.GraphWidget(
                title="Latency p99 (ms)",
                left=[latency_p99, integration_p99],
                width=8,
                left_annotations=[cw.HorizontalAnnotation(value=stage.latency_p99_alarm_ms, label="alarm")],
            ),
        )
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Authorizer errors / throttles", left=[authorizer_errors, authorizer_throttles], width=8
            ),
            cw.GraphWidget(title="Dead-letter queue depth", left=list(dlq_depths.values()), width=8),
            cw.GraphWidget(
                title="Function errors", left=function_errors, width=8, legend_position=cw.LegendPosition.RIGHT
            ),
        )
