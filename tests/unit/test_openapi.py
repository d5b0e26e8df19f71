"""The OpenAPI document (``intentbid.openapi.build``) is valid OpenAPI 3.1 and says exactly what the route
table says: every route with its method and operationId, security and auth errors on every non-public
operation, RFC 9457 ``Problem`` on every error response."""

from __future__ import annotations

import json
from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator

from intentbid.openapi import build, build_json
from intentbid.routes import ROUTES, Route

DOC = build()
OPERATIONS = [(r, DOC["paths"].get(r.path, {}).get(r.method.lower())) for r in ROUTES]
PROBLEM_REF = "#/components/schemas/Problem"
IDS = [r.function for r in ROUTES]
IDEMPOTENT = [(r, op) for r, op in OPERATIONS if r.idempotent]
NO_CONTENT = [(r, op) for r, op in OPERATIONS if r.status == 204]


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return ([node["$ref"]] if isinstance(node.get("$ref"), str) else []) + [
            ref for v in node.values() for ref in _refs(v)
        ]
    if isinstance(node, list):
        return [ref for v in node for ref in _refs(v)]
    return []


def _resolve(ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = DOC
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_the_document_is_valid_openapi_3_1() -> None:
    assert DOC["openapi"].startswith("3.1")
    errors = [f"{e.message} (in {e.schema})" for e in OpenAPIV31SpecValidator(DOC).iter_errors()]
    assert errors == []


@pytest.mark.parametrize(("route", "op"), OPERATIONS, ids=IDS)
def test_parameter_defaults_are_valid_under_their_own_schema(route: Route, op: dict[str, Any]) -> None:
    """What the validator above checks, located: a default must satisfy its schema (``None`` for an optional
    string parameter does not - omit the default instead)."""
    from jsonschema import Draft202012Validator

    bad = {
        p["name"]: p["schema"]["default"]
        for p in op.get("parameters", [])
        if "default" in p["schema"] and not Draft202012Validator(p["schema"]).is_valid(p["schema"]["default"])
    }
    assert bad == {}


def test_schemathesis_loads_every_operation() -> None:
    import schemathesis

    schema = schemathesis.openapi.from_dict(DOC)
    loaded = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        loaded.add((operation.method.upper(), operation.path))
    assert loaded == {(r.method, r.path) for r in ROUTES}


def test_every_route_appears_with_its_method_and_nothing_else() -> None:
    documented = {(m.upper(), p) for p, ops in DOC["paths"].items() for m in ops}
    assert documented == {(r.method, r.path) for r in ROUTES}


@pytest.mark.parametrize(("route", "op"), OPERATIONS, ids=IDS)
def test_operation_id_is_the_function_name(route: Route, op: dict[str, Any]) -> None:
    assert op["operationId"] == route.function


def test_operation_ids_are_unique() -> None:
    ids = [op["operationId"] for ops in DOC["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("route", "op"), OPERATIONS, ids=IDS)
def test_security_follows_the_route_table(route: Route, op: dict[str, Any]) -> None:
    if route.public:
        assert op.get("security") == [], "a public operation must say so (security: [])"
        return
    assert op.get("security") == [{"apiKey": list(route.scopes)}]
    assert {"401", "403"} <= set(op["responses"]), "a keyed operation documents 401 and 403"
    assert "apiKey" in DOC["components"]["securitySchemes"]


@pytest.mark.parametrize(("route", "op"), OPERATIONS, ids=IDS)
def test_error_responses_are_problem_details(route: Route, op: dict[str, Any]) -> None:
    errors = {s: r for s, r in op["responses"].items() if int(s) >= 400}
    assert errors, "at least 500 is documented"
    for status, response in errors.items():
        assert set(response.get("content", {})) == {"application/problem+json"}, status
        assert response["content"]["application/problem+json"]["schema"] == {"$ref": PROBLEM_REF}, status


@pytest.mark.parametrize(("route", "op"), OPERATIONS, ids=IDS)
def test_responses_and_statuses_follow_the_route_table(route: Route, op: dict[str, Any]) -> None:
    statuses = {int(s) for s in op["responses"]}
    success = {s for s in statuses if s < 400}
    assert success == {route.status}
    assert set(route.errors) | {500} <= statuses
    ok = op["responses"][str(route.status)]
    if route.status == 204:
        return  # no content (test_a_204_response_has_no_content)
    assert set(ok["content"]) == {route.content_type}
    if route.response:
        model = route.response.partition(":")[2]
        assert ok["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model}"}


@pytest.mark.parametrize(("route", "op"), OPERATIONS, ids=IDS)
def test_parameters_and_body_follow_the_route_table(route: Route, op: dict[str, Any]) -> None:
    params = op.get("parameters", [])
    path_params = {p["name"] for p in params if p["in"] == "path"}
    assert path_params == set(route.path_params)
    assert all(p["required"] for p in params if p["in"] == "path")
    if route.request:
        body = op["requestBody"]
        assert body["required"] is True
        model = route.request.partition(":")[2]
        assert set(body["content"]) == {"application/json"}  # its examples: test_openapi_examples.py
        assert body["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model}"}
        assert {"400", "413"} <= set(op["responses"])
    else:
        assert "requestBody" not in op
    if route.idempotent:
        assert any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in params)


def test_every_ref_resolves_and_problem_is_rfc_9457() -> None:
    for ref in _refs(DOC):
        assert _resolve(ref) is not None, ref
    problem = DOC["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance", "code"} <= set(problem["required"])


def test_the_served_json_is_the_same_document() -> None:
    assert json.loads(build_json()) == DOC


@pytest.mark.parametrize(("route", "op"), IDEMPOTENT, ids=[r.function for r, _ in IDEMPOTENT])
def test_idempotent_operations_document_400(route: Route, op: dict[str, Any]) -> None:
    """A malformed ``Idempotency-Key`` (over 255 characters, or unprintable) is 400 ``validation_failed``, with
    or without a request body."""
    assert "400" in op["responses"]


@pytest.mark.parametrize(("route", "op"), NO_CONTENT, ids=[r.function for r, _ in NO_CONTENT])
def test_a_204_response_has_no_content(route: Route, op: dict[str, Any]) -> None:
    assert "content" not in op["responses"]["204"]


def test_rfo_currency_lists_exactly_the_accepted_currencies() -> None:
    """``RfoCreate.currency`` accepts only the supported ISO 4217 codes: the document must enumerate them
    (``^[A-Z]{3}$`` promises ``AAA``, which is refused)."""
    from intentbid.domain.money import CURRENCIES

    prop = DOC["components"]["schemas"]["RfoCreate"]["properties"]["currency"]
    assert sorted(prop.get("enum", [])) == sorted(CURRENCIES)


def test_an_offer_revision_documents_that_it_needs_a_field() -> None:
    """``PATCH /v1/offers/{id}`` with ``{}`` is 400 ("nothing to revise"): the schema must say so."""
    assert DOC["components"]["schemas"]["OfferRevise"].get("minProperties", 0) >= 1


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def test_bounds_are_json_schema_keywords_on_the_property_itself() -> None:
    """pydantic wrote ``OfferRevise.eta_days``'s bounds as ``ge``/``le`` (no JSON Schema keyword) inside an
    ``anyOf`` with null: fuzzers and client generators ignored them, so ``eta_days: 5000`` looked valid."""
    nodes = list(_walk(DOC))
    assert not [n for n in nodes if {"ge", "le", "gt", "lt"} & set(n) and "type" in n]
    nullable = [n for n in nodes if isinstance(n.get("anyOf"), list) and {"type": "null"} in n["anyOf"]]
    # only a nullable object may keep its anyOf (its bounds are in the referenced schema: Webhook.last_delivery)
    assert not [n for n in nullable if not any(set(b) == {"$ref"} for b in n["anyOf"])]
    revise = DOC["components"]["schemas"]["OfferRevise"]["properties"]
    assert revise["eta_days"] | {"type": ["integer", "null"], "minimum": 0, "maximum": 3650} == revise["eta_days"]
    assert revise["unit_price"]["minimum"] == 1 and revise["quantity_available"]["maximum"] == 1_000_000_000
    assert DOC["components"]["schemas"]["KeyCreate"]["properties"]["environment"]["enum"] == ["live", "test", None]


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("k", True),
        ("order-42:retry", True),
        ("a b", True),
        ("x" * 255, True),
        ("x" * 256, False),
        ("", False),
        ("caf\u00e9", False),
        ("tab\there", False),
        ("\x00", False),
    ],
)
def test_the_idempotency_key_pattern_is_what_the_server_enforces(value: str, valid: bool) -> None:
    """The document said only ``maxLength: 255``; the server refused unprintable keys, so a schema-valid key was
    rejected. Both now say the same: 1-255 printable ASCII characters."""
    import re

    from intentbid.domain.errors import ValidationFailed
    from intentbid.http.idempotency import validate_key

    _, op = IDEMPOTENT[0]
    (param,) = [p for p in op["parameters"] if p["name"] == "Idempotency-Key"]
    schema = param["schema"]
    documented = schema["minLength"] <= len(value) <= schema["maxLength"] and bool(re.search(schema["pattern"], value))
    try:
        validate_key(value)
        accepted = True
    except ValidationFailed:
        accepted = False
    assert documented == accepted == valid


def test_cursors_have_their_documented_format() -> None:
    from intentbid.openapi import CURSOR_PATTERN

    for path, ops in DOC["paths"].items():
        for op in ops.values():
            for p in op.get("parameters", []):
                if p["name"] == "cursor":
                    assert p["schema"]["pattern"] == CURSOR_PATTERN and p["schema"]["maxLength"] == 2048, path


def test_the_schemathesis_project_file_names_the_world_dependent_400s() -> None:
    """``schemathesis.toml`` lets ``positive_data_acceptance`` accept a 400 only on the operations that refuse
    schema-valid input on the state of the world: every listing (an unknown cursor) and every operation whose
    body has a timestamp that must lie in the future."""
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(__file__).resolve().parents[2] / "schemathesis.toml").read_text())
    (only,) = config["operations"]
    listings = {
        op["operationId"]
        for ops in DOC["paths"].values()
        for op in ops.values()
        if any(p["name"] == "cursor" for p in op.get("parameters", []))
    }
    future = {
        "rfo_create",
        "rfo_reopen",
        "offer_submit",
        "offer_revise",
        "vendor_key_create",
        "buyer_key_create",
        "admin_cooldown_set",
    }
    inactive_key = {"vendor_key_rotate", "buyer_key_rotate"}  # 400 key_not_active
    narrowing = {"vendor_key_patch", "buyer_key_patch"}  # 400 scope_not_narrowing / allowlist_not_narrowing
    weights = {"rfo_weights"}  # 400 unknown_component (the RFO's version's) / weights_all_zero
    hooks = {"webhook_create", "webhook_patch"}  # 400 webhook_url_not_allowed (resolution), unknown_event_type
    hooks |= {"webhook_recover"}  # 400 out_of_range: until before since (each valid alone)
    hooks |= {"vendor_patch", "buyer_patch"}  # 400 unknown_event_type / event_not_emailed (the email catalog)
    assert set(only["include-operation-id"]) == listings | future | inactive_key | narrowing | weights | hooks
    assert "400" in only["checks"]["positive_data_acceptance"]["expected-statuses"]
    operation_ids = {op["operationId"] for ops in DOC["paths"].values() for op in ops.values()}
    assert future | inactive_key | narrowing | weights | hooks <= operation_ids


def test_idempotency_statuses_are_documented_and_422_means_only_key_reuse() -> None:
    """An idempotent operation may answer 409 ``idempotency_in_flight`` and 422 ``idempotency_key_reused``
    (undocumented 409 was a schemathesis finding); ``schemathesis.toml`` accepts 422 for schema-valid requests
    because it means nothing else."""
    import tomllib
    from pathlib import Path

    from intentbid.domain import errors as e

    for _, op in IDEMPOTENT:
        assert {"409", "422"} <= set(op["responses"])
    assert [cls for cls in e.DomainError.__subclasses__() if cls.status == 422] == [e.IdempotencyReused]
    config = tomllib.loads((Path(__file__).resolve().parents[2] / "schemathesis.toml").read_text())
    assert "422" in config["checks"]["positive_data_acceptance"]["expected-statuses"]


@pytest.mark.parametrize(
    ("model", "body", "valid"),
    [
        ("KeyPatch", {}, False),
        ("KeyPatch", {"name": None}, False),
        ("KeyPatch", {"name": "ci"}, True),
        ("KeyPatch", {"ip_allowlist": []}, True),
        ("WeightsUpdate", {"weights": {"price": 1.0}, "profile": ""}, False),
        ("WeightsUpdate", {"weights": {"price": 1.0}, "profile": None}, True),
        ("WeightsUpdate", {"profile": "cheapest"}, True),
        ("WeightsUpdate", {"profile": None}, False),
        ("WeightsUpdate", {"scoring_version": "v2"}, True),
    ],
)
def test_bodies_the_server_refuses_whatever_the_world_are_schema_invalid(model: str, body: Any, valid: bool) -> None:
    """schemathesis found these schema-valid bodies refused: a key patch with nothing (or only nulls) to change,
    and weights together with a profile."""
    import jsonschema

    schema = {**DOC["components"]["schemas"][model], "components": DOC["components"]}
    resolved = json.loads(json.dumps(schema).replace("#/components/", "#/components/"))
    assert jsonschema.Draft202012Validator(resolved).is_valid(body) == valid
