"""The stage's own alarm topic (``StageConfig.alarm_topic``; staging and prod): every alarm notifies it on ALARM
and OK, and each address of ``StageConfig.alarm_emails`` (context ``alarm_emails`` or ``INTENTBID_ALARM_EMAILS``)
is subscribed to it (SNS asks each address to confirm). Encrypted with its own customer-managed key, which
CloudWatch may use (an AWS-managed SNS key cannot be used by CloudWatch alarms), and TLS-only."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from intentbid_infra import config


class AlarmTopic(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: config.StageConfig) -> None:
        super().__init__(scope, construct_id)
        prefix = config.resource_prefix(stage.name)
        self.key = kms.Key(
            self,
            "Key",
            description=f"IntentBid {stage.name}: encrypts the alarm topic",
            enable_key_rotation=True,
            removal_policy=stage.removal_policy,
        )
        # CloudWatch publishes the alarm's notification: it needs the data key of the encrypted topic.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],  # in a key policy, "*" is this key
            )
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=f"{prefix}alarms",
            display_name=f"IntentBid {stage.name} alarms",
            master_key=self.key,
            enforce_ssl=True,
        )
        for email in stage.alarm_emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
