"""What the infra tests share: Node on PATH for jsii, the CDK context, and the synthesized stack.

Node: jsii (aws-cdk-lib) wants Node >= 22. ``make node`` installs one in ``.tools/node``; it is put first on
PATH here, before aws_cdk is imported, so the tests use it even from a shell whose PATH lacks it.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
LOCAL_NODE_BIN = REPO / ".tools" / "node" / "bin"
if (LOCAL_NODE_BIN / "node").exists() and not os.environ.get("JSII_NODE"):
    os.environ["PATH"] = f"{LOCAL_NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
if str(REPO / "infra") not in sys.path:
    sys.path.insert(0, str(REPO / "infra"))

from aws_cdk import Stack  # noqa: E402  (after PATH is set: importing aws_cdk starts the jsii node process)
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
    stack: Stack
    template: Template
    resources: dict[str, dict[str, Any]]
    outdir: Path

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
    return Synth(stack=stack, template=template, resources=template.to_json()["Resources"], outdir=outdir)
