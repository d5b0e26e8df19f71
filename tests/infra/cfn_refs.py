"""Small readers of a synthesized CloudFormation template: who refers to whom, which path is which."""

from __future__ import annotations

from typing import Any

Resources = dict[str, dict[str, Any]]


def ref_id(value: Any) -> str | None:
    """The logical id behind ``{"Ref": id}`` or ``{"Fn::GetAtt": [id, ...]}``."""
    if isinstance(value, dict):
        if "Ref" in value:
            return str(value["Ref"])
        if "Fn::GetAtt" in value:
            return str(value["Fn::GetAtt"][0])
    return None


def mentions(value: Any, logical_id: str) -> bool:
    """Whether ``value`` (any JSON) refers to ``logical_id`` anywhere."""
    if isinstance(value, dict):
        if value.get("Ref") == logical_id:
            return True
        if "Fn::GetAtt" in value and value["Fn::GetAtt"][0] == logical_id:
            return True
        return any(mentions(v, logical_id) for v in value.values())
    if isinstance(value, list):
        return any(mentions(v, logical_id) for v in value)
    return False


def by_property(resources: Resources, cfn_type: str, prop: str) -> dict[str, str]:
    """``{property value: logical id}`` for resources of ``cfn_type`` (e.g. FunctionName -> id)."""
    return {
        r["Properties"][prop]: k
        for k, r in resources.items()
        if r["Type"] == cfn_type and isinstance(r.get("Properties", {}).get(prop), str)
    }


def resource_paths(resources: Resources) -> dict[str, str]:
    """``{ApiGateway::Resource logical id: "/v1/rfos/{rfo_id}"}``."""
    parts = {
        k: (r["Properties"]["PathPart"], ref_id(r["Properties"]["ParentId"]), r["Properties"]["ParentId"])
        for k, r in resources.items()
        if r["Type"] == "AWS::ApiGateway::Resource"
    }

    def path(logical_id: str) -> str:
        part, parent, raw = parts[logical_id]
        is_root = isinstance(raw, dict) and "Fn::GetAtt" in raw and raw["Fn::GetAtt"][1] == "RootResourceId"
        return ("" if is_root else path(str(parent))) + "/" + part

    return {k: path(k) for k in parts}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_statements(resources: Resources, role_id: str) -> list[dict[str, Any]]:
    """Every statement of every inline policy attached to ``role_id`` (AWS::IAM::Policy and Policies)."""
    statements: list[dict[str, Any]] = []
    for r in resources.values():
        if r["Type"] == "AWS::IAM::Policy" and any(ref_id(x) == role_id for x in r["Properties"].get("Roles", [])):
            statements += r["Properties"]["PolicyDocument"]["Statement"]
    for policy in resources[role_id]["Properties"].get("Policies", []):
        statements += policy["PolicyDocument"]["Statement"]
    return statements


def grants(statements: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """Allowed ``(action, resource)`` pairs; a resource is rendered as a stable string."""
    out = set()
    for st in statements:
        assert st["Effect"] == "Allow", st
        for action in as_list(st["Action"]):
            for resource in as_list(st["Resource"]):
                out.add((action, render(resource)))
    return out


def render(value: Any) -> str:
    """``{"Fn::GetAtt": ["T", "Arn"]}`` -> ``T.Arn``; ``Fn::Join`` of those -> concatenation; ``*`` stays."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return f"{value['Ref']}.Ref"
    if "Fn::GetAtt" in value:
        return ".".join(value["Fn::GetAtt"])
    if "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(render(p) for p in parts)
    raise AssertionError(f"cannot render {value!r}")
