"""DynamoDB tables, derived from the PynamoDB models (``intentbid.store.tables.all_specs``)."""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from intentbid.store.tables import IndexSpec, KeySpec, TableSpec, all_specs
from intentbid_infra import config

_ATTRIBUTE_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}
_PROJECTIONS = {
    "ALL": dynamodb.ProjectionType.ALL,
    "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
    "INCLUDE": dynamodb.ProjectionType.INCLUDE,
}


def _attribute(key: KeySpec) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=key.name, type=_ATTRIBUTE_TYPES[key.type])


class Tables(Construct):
    """One on-demand ``Table`` per model: AWS-managed encryption, named ``intentbid-<stage>-<logical>``, stream
    and TTL when the model asks; point-in-time recovery, deletion protection and the removal policy are the
    stage's (``StageConfig.point_in_time_recovery``, ``deletion_protection``, ``data_removal_policy``).

    (``Table``, not ``TableV2``: TableV2 is a global table.)
    """

    def __init__(self, scope: Construct, construct_id: str, *, stage: config.StageConfig, stack: str = "") -> None:
        """``stack``: only the models deployed in that stack (``TableSpec.stack``; "" = the main stack)."""
        super().__init__(scope, construct_id)
        self.specs: dict[str, TableSpec] = {s.logical_name: s for s in all_specs() if s.stack == stack}
        self.tables: dict[str, dynamodb.Table] = {name: self._table(spec, stage) for name, spec in self.specs.items()}

    def adopt(self, other: Tables) -> None:
        """Know another stack's tables too, so grants can name them (they stay where they were created)."""
        self.specs.update(other.specs)
        self.tables.update(other.tables)

    def _table(self, spec: TableSpec, stage: config.StageConfig) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            config.construct_id(spec.logical_name),
            table_name=config.resource_prefix(stage.name) + spec.logical_name,
            partition_key=_attribute(spec.hash_key),
            sort_key=_attribute(spec.range_key) if spec.range_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=stage.point_in_time_recovery
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            removal_policy=stage.data_removal_policy,
            deletion_protection=stage.deletion_protection,
            stream=dynamodb.StreamViewType[spec.stream_view] if spec.stream_view else None,
            time_to_live_attribute=spec.ttl_attribute,
        )
        for index in spec.indexes:
            self._add_index(table, index)
        return table

    @staticmethod
    def _add_index(table: dynamodb.Table, index: IndexSpec) -> None:
        if index.projection not in _PROJECTIONS or index.projection == "INCLUDE":
            raise ValueError(
                f"{index.name}: projection {index.projection!r} needs non_key_attributes; "
                "extend IndexSpec before using it"
            )
        if index.local:  # an LSI exists only from the table's creation: adding one replaces the table (README)
            assert index.range_key is not None, index.name
            table.add_local_secondary_index(
                index_name=index.name,
                sort_key=_attribute(index.range_key),
                projection_type=_PROJECTIONS[index.projection],
            )
            return
        table.add_global_secondary_index(
            index_name=index.name,
            partition_key=_attribute(index.hash_key),
            sort_key=_attribute(index.range_key) if index.range_key else None,
            projection_type=_PROJECTIONS[index.projection],
        )

    def index_names(self, logical_name: str) -> tuple[str, ...]:
        return tuple(ix.name for ix in self.specs[logical_name].indexes)
