"""The API's optional custom domain (``StageConfig.custom_domain``; off by default, from context
``-c domain_name=api.example.com -c certificate_arn=arn:aws:acm:…`` and optionally ``hosted_zone_id`` +
``hosted_zone_name`` for the alias record): a REGIONAL domain name with TLS 1.2, mapped at its root to the API
stage. The WAF is on the stage, so it covers both the domain and the execute-api URL."""

from __future__ import annotations

from aws_cdk import CfnOutput
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as targets
from constructs import Construct

from intentbid_infra.stages import CustomDomain


class ApiDomain(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, domain: CustomDomain, rest_api: apigw.RestApi) -> None:
        super().__init__(scope, construct_id)
        self.domain_name = apigw.DomainName(
            self,
            "DomainName",
            domain_name=domain.domain_name,
            certificate=acm.Certificate.from_certificate_arn(self, "Certificate", domain.certificate_arn),
            endpoint_type=apigw.EndpointType.REGIONAL,
            security_policy=apigw.SecurityPolicy.TLS_1_2,
        )
        self.domain_name.add_base_path_mapping(rest_api, stage=rest_api.deployment_stage)
        self.record: route53.ARecord | None = None
        if domain.hosted_zone_id and domain.hosted_zone_name:
            zone = route53.HostedZone.from_hosted_zone_attributes(
                self, "Zone", hosted_zone_id=domain.hosted_zone_id, zone_name=domain.hosted_zone_name
            )
            self.record = route53.ARecord(
                self,
                "Alias",
                zone=zone,
                record_name=domain.domain_name,
                target=route53.RecordTarget.from_alias(targets.ApiGatewayDomain(self.domain_name)),
            )
        CfnOutput(
            self,
            "ApiDomainTarget",
            value=self.domain_name.domain_name_alias_domain_name,
            description=f"Point {domain.domain_name} here (CNAME or alias) unless the stack writes the record",
        )
