"""The secret box's KMS key: it wraps the data key of every stored webhook signing secret
(``intentbid.adapters.secret_box``). Functions get ``kms:GenerateDataKey`` (seal) or ``kms:Decrypt`` (open) on it
from their ``ACCESS`` entry (``secrets``), each call bound to an encryption context naming the endpoint."""

from __future__ import annotations

from aws_cdk import aws_kms as kms
from constructs import Construct

from intentbid_infra import config


class SecretsKey(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: config.StageConfig) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            alias=f"alias/{config.resource_prefix(stage.name)}webhook-secrets",
            description="IntentBid: wraps the data keys of webhook signing secrets",
            enable_key_rotation=True,
            removal_policy=stage.data_removal_policy,  # it opens secrets the tables keep
        )
