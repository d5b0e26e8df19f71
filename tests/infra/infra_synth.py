"""What the infra tests share: Node on PATH for jsii, the CDK context, and the synthesized stack.

Node: jsii (aws-cdk-lib) wants Node >= 22. ``make node`` installs one in ``.tools/node``; it is put first on
PATH here, before aws_cdk is imported, so the tests use it even from a shell whose PATH lacks it.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
LOCAL_NODE_BIN = REPO / ".tools" / "node" / "bin"
if (LOCAL_NODE_BIN / "node").exists() and not os.environ.get("JSII_NODE"):
    os.environ["PATH"] = f"{LOCAL_NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
if str(REPO / "infra") not in sys.path:
    sys.path.insert(0, str(REPO / "infra"))

from aws_cdk import NestedStack, Stack  # noqa: E402  (after PATH is set: importing aws_cdk starts the jsii node process)
from aws_cdk.assertions import Template  # noqa: E402

from intentbid_infra.app import build  # noqa: E402

STAGE = "dev"
STAGES = ("dev", "staging", "prod")
# What each stage's synthesis gets from context besides its name (the alarm topic's subscribers), so the tests
# never depend on INTENTBID_ALARM_EMAILS in the environment of whoever runs them.
STAGE_CONTEXT: dict[str, dict[str, Any]] = {
    "dev": {},
    "staging": {"alarm_emails": "ops@example.com"},
    "prod": {"alarm_emails": "ops@example.com, oncall@example.com"},
}


@dataclass
class Synth:
    """``resources``: the main stack's and its nested stacks' together (:func:`flatten`), so every check derived
    from a definition (tables, queues, functions, grants) holds wherever the resource lives; ``template``: the
    main stack's alone; ``nested``: each nested stack's template file."""

    stack: Stack
    template: Template
    resources: dict[str, dict[str, Any]]
    outdir: Path
    nested: dict[str, Path] = field(default_factory=dict)

    def of_type(self, cfn_type: str) -> dict[str, dict[str, Any]]:
        return {k: r for k, r in self.resources.items() if r["Type"] == cfn_type}

    def props(self, logical_id: str) -> dict[str, Any]:
        return self.resources[logical_id].get("Properties", {})


def cdk_context(**overrides: Any) -> dict[str, Any]:
    """cdk.json's context (feature flags included), as the CLI would pass it, plus ``overrides``."""
    context = json.loads((REPO / "cdk.json").read_text())["context"]
    return {**context, **overrides}


def synthesize(outdir: Path, stage: str = STAGE) -> Synth:
    """Synthesize the app for ``stage`` with its STAGE_CONTEXT (cdk-nag included: an unacknowledged finding
    raises here)."""
    app, stack = build(context=cdk_context(stage=stage, **STAGE_CONTEXT[stage]), outdir=str(outdir))
    app.synth()
    template = Template.from_stack(stack)  # reuses the synthesis above
    main = template.to_json()
    nested = {
        stack.resolve(stack.get_logical_id(child.nested_stack_resource)): outdir / child.template_file
        for child in stack.node.find_all()
        if isinstance(child, NestedStack) and child.nested_stack_resource is not None
    }
    resources = flatten(main, {k: json.loads(p.read_text()) for k, p in nested.items()})
    return Synth(stack=stack, template=template, resources=resources, outdir=outdir, nested=nested)


def flatten(main: dict[str, Any], nested: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """One resource map of the main template and its nested ones, as if they were one stack: a nested stack's
    output read by the main stack (``Fn::GetAtt [nested, Outputs.X]``) becomes the value it outputs, and a nested
    stack's parameter the main stack's value passed to it. Logical ids must not collide (asserted)."""
    outputs: dict[tuple[str, str], Any] = {}
    resources: dict[str, dict[str, Any]] = {}
    for stack_id, t in nested.items():
        params = main["Resources"][stack_id].get("Properties", {}).get("Parameters", {})

        def resolve_param(value: Any, params: dict[str, Any] = params) -> Any:
            if isinstance(value, dict):
                if set(value) == {"Ref"} and value["Ref"] in params:
                    return params[value["Ref"]]
                return {k: resolve_param(v) for k, v in value.items()}
            if isinstance(value, list):
                return [resolve_param(v) for v in value]
            return value

        for name, out in t.get("Outputs", {}).items():
            outputs[(stack_id, f"Outputs.{name}")] = resolve_param(out["Value"])
        for logical_id, r in t["Resources"].items():
            assert logical_id not in main["Resources"] and logical_id not in resources, logical_id
            resources[logical_id] = resolve_param(r)

    def resolve_output(value: Any) -> Any:
        if isinstance(value, dict):
            att = value.get("Fn::GetAtt")
            if set(value) == {"Fn::GetAtt"} and isinstance(att, list) and (att[0], att[1]) in outputs:
                return outputs[(att[0], att[1])]
            return {k: resolve_output(v) for k, v in value.items()}
        if isinstance(value, list):
            return [resolve_output(v) for v in value]
        return value

    for logical_id, r in main["Resources"].items():
        resources[logical_id] = resolve_output(r)
    return resources
