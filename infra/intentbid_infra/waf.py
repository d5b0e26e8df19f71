"""The WAF in front of the API: one REGIONAL web ACL associated with the REST API stage (cdk-nag APIG3).

Rules, in order:

1. ``rate-per-ip``: a rate-based rule, ``StageConfig.waf_rate_limit_per_5min`` requests per source IP per
   5 minutes; beyond it WAF answers 429 with a problem+json-shaped ``rate_limited`` body (content type
   ``application/json``: WAF's custom bodies allow no other) until the address slows down.
2. ``aws-common``: the AWS managed common rule set (``AWSManagedRulesCommonRuleSet``), blocking, except two
   rules that only count, because the API decides those requests better itself:
   ``SizeRestrictions_BODY`` (bodies over 8 KB): the API takes bodies up to 256 KB
   (``intentbid.http.api.MAX_BODY_BYTES``) and answers a larger one with 413 ``payload_too_large``;
   ``GenericRFI_BODY`` (URLs with an IPv4 host in a body): a webhook endpoint may be ``https://<public IPv4>/…``,
   the API fetches no URL but those, and the outbound guard (``intentbid.adapters.outbound``) checks every
   address it connects to.

Everything else is allowed. Each rule has its CloudWatch metrics and sampled requests.
"""

from __future__ import annotations

import json

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from intentbid_infra import config

RATE_RULE = "rate-per-ip"
COMMON_RULE = "aws-common"
COMMON_RULE_SET = "AWSManagedRulesCommonRuleSet"
COUNTED_COMMON_RULES = ("SizeRestrictions_BODY", "GenericRFI_BODY")
RATE_WINDOW_S = 300
RATE_LIMITED_BODY = "rate_limited"


def _visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


def rate_limited_problem() -> str:
    """The 429 body, shaped as the API's own problem+json (WAF cannot know the request id: no ``instance``)."""
    return json.dumps(
        {
            "type": "/errors/rate_limited",
            "title": "Too many requests",
            "status": 429,
            "detail": "Too many requests from this address; retry after a short pause.",
            "code": "rate_limited",
        },
        separators=(",", ":"),
    )


class WebAcl(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, stage: config.StageConfig, api_stage: apigw.Stage
    ) -> None:
        super().__init__(scope, construct_id)
        prefix = config.resource_prefix(stage.name)
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=f"{prefix}api",
            description=f"IntentBid {stage.name} API: per-IP rate limit and the AWS common rule set",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(f"{prefix}api"),
            custom_response_bodies={
                RATE_LIMITED_BODY: wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content_type="APPLICATION_JSON", content=rate_limited_problem()
                )
            },
            rules=[
                wafv2.CfnWebACL.RuleProperty(
                    name=RATE_RULE,
                    priority=0,
                    statement=wafv2.CfnWebACL.StatementProperty(
                        rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                            limit=stage.waf_rate_limit_per_5min,
                            aggregate_key_type="IP",
                            evaluation_window_sec=RATE_WINDOW_S,
                        )
                    ),
                    action=wafv2.CfnWebACL.RuleActionProperty(
                        block=wafv2.CfnWebACL.BlockActionProperty(
                            # (WAF prefixes custom header names with x-amzn-waf-, so no Retry-After: the
                            # body says to pause; the address is let through again once its rate drops.)
                            custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                                response_code=429, custom_response_body_key=RATE_LIMITED_BODY
                            )
                        )
                    ),
                    visibility_config=_visibility(f"{prefix}api-{RATE_RULE}"),
                ),
                wafv2.CfnWebACL.RuleProperty(
                    name=COMMON_RULE,
                    priority=1,
                    statement=wafv2.CfnWebACL.StatementProperty(
                        managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                            vendor_name="AWS",
                            name=COMMON_RULE_SET,
                            rule_action_overrides=[
                                wafv2.CfnWebACL.RuleActionOverrideProperty(
                                    name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                                )
                                for rule in COUNTED_COMMON_RULES
                            ],
                        )
                    ),
                    override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                    visibility_config=_visibility(f"{prefix}api-{COMMON_RULE}"),
                ),
            ],
        )
        self.association = wafv2.CfnWebACLAssociation(
            self, "Association", resource_arn=api_stage.stage_arn, web_acl_arn=self.web_acl.attr_arn
        )
        self.association.node.add_dependency(api_stage)
