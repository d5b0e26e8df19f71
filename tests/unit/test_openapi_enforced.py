"""The OpenAPI document states what the server enforces, as JSON Schema keywords a generator or fuzzer uses:
cursor and header formats, bounds of every bounded field (optional ones too, not hidden inside ``anyOf``),
and every fixed set of values as an ``enum`` (or ``const``). The Idempotency-Key pattern is held against the
server's own check in ``test_openapi.py``."""

from __future__ import annotations

import re
import types
import typing
from typing import Any, Literal

import annotated_types
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from intentbid.domain import etags
from intentbid.domain.errors import ValidationFailed
from intentbid.openapi import CURSOR_PATTERN, build, resolve
from intentbid.routes import ROUTES
from intentbid.store import paging

DOC = build()
SCHEMAS = DOC["components"]["schemas"]


def _models() -> list[tuple[str, type[BaseModel], dict[str, Any]]]:
    """(where, model, {field: documented schema}) for every request, response and query model of a route."""
    out: list[tuple[str, type[BaseModel], dict[str, Any]]] = []
    seen: set[tuple[str, str]] = set()
    for route in ROUTES:
        for ref in (route.request, route.response):
            if ref and ("body", ref) not in seen:
                seen.add(("body", ref))
                model = resolve(ref)
                out.append((ref, model, SCHEMAS[model.__name__]["properties"]))
        if route.query:
            params = DOC["paths"][route.path][route.method.lower()]["parameters"]
            documented = {p["name"]: p["schema"] for p in params if p["in"] == "query"}
            out.append((f"{route.function}?{route.query}", resolve(route.query), documented))
    return out


MODELS = _models()


def _literal_values(annotation: Any) -> list[Any] | None:
    """The values of a ``Literal[...]`` (also inside ``X | None``), else None."""
    if typing.get_origin(annotation) is Literal:
        return list(typing.get_args(annotation))
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arm in typing.get_args(annotation):
            values = _literal_values(arm)
            if values is not None:
                return values
    return None


def _optional(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in typing.get_args(
        annotation
    )


def _nullable_ref(prop: dict[str, Any]) -> bool:
    """A nullable object (``anyOf: [{$ref}, {type: null}]``, JSON Schema's one way to say it): its bounds live
    in the referenced schema, none can be lost in a branch (``Webhook.last_delivery``)."""
    branches = prop.get("anyOf") or []
    return len(branches) == 2 and {"type": "null"} in branches and any(set(b) == {"$ref"} for b in branches)


@pytest.mark.parametrize(("where", "model", "documented"), MODELS, ids=[m[0] for m in MODELS])
def test_every_fixed_set_of_values_is_an_enum(where: str, model: type[BaseModel], documented: dict[str, Any]) -> None:
    missing = {}
    for name, info in model.model_fields.items():
        values = _literal_values(info.annotation)
        if values is None or name not in documented:
            continue
        prop = documented[name]
        listed = prop.get("enum", [prop["const"]] if "const" in prop else None)
        if listed is None or not set(values) <= set(listed):
            missing[name] = (values, prop)
    assert missing == {}


BOUNDS = {annotated_types.Ge: "minimum", annotated_types.Le: "maximum", annotated_types.Gt: "exclusiveMinimum"}
BOUNDS |= {annotated_types.Lt: "exclusiveMaximum", annotated_types.MaxLen: "maxLength"}
BOUNDS |= {annotated_types.MinLen: "minLength"}
ATTRIBUTE = {"minimum": "ge", "maximum": "le", "exclusiveMinimum": "gt", "exclusiveMaximum": "lt"}
ATTRIBUTE |= {"maxLength": "max_length", "minLength": "min_length"}


def _nullable_ref(prop: dict[str, Any]) -> bool:
    """A nullable object (``anyOf: [{$ref}, {type: null}]``, JSON Schema's one way to say it): its bounds live
    in the referenced schema, none can be lost in a branch (``Webhook.last_delivery``)."""
    branches = prop.get("anyOf") or []
    return len(branches) == 2 and {"type": "null"} in branches and any(set(b) == {"$ref"} for b in branches)


@pytest.mark.parametrize(("where", "model", "documented"), MODELS, ids=[m[0] for m in MODELS])
def test_every_bound_is_a_keyword_of_the_property_itself(
    where: str, model: type[BaseModel], documented: dict[str, Any]
) -> None:
    """``ge``/``le``/``max_length``... of a field, optional or not, appear as ``minimum``/``maximum``/
    ``maxLength``... on the property (a list's length as ``maxItems``/``minItems``), never only inside an
    ``anyOf`` branch, where client generators ignore them."""
    wrong = {}
    for name, info in model.model_fields.items():
        if name not in documented:
            continue
        prop = documented[name]
        for meta in info.metadata:
            keyword = BOUNDS.get(type(meta))
            if keyword is None:
                continue
            if keyword in ("maxLength", "minLength") and "array" in str(prop.get("type")):
                keyword = keyword.replace("Length", "Items")
            expected = getattr(meta, ATTRIBUTE[keyword.replace("Items", "Length")])
            if prop.get(keyword) != expected:
                wrong[name] = (keyword, expected, prop)
        if _optional(info.annotation) and "anyOf" in prop and not _nullable_ref(prop):
            wrong[name] = ("a nullable anyOf", prop)
    assert wrong == {}


@pytest.mark.parametrize("model", ["RfoCreate", "WeightsUpdate"])
def test_profiles_versions_and_weights_name_exactly_what_the_scoring_accepts(model: str) -> None:
    """schemathesis found ``PUT /weights`` with a schema-valid ``profile``/``scoring_version`` (any string)
    refused 400 ``unknown_profile``: the fixed sets are enums now, and an empty version (it meant the default,
    which the document could not say) is refused."""
    from intentbid.domain.scoring import VERSIONS
    from intentbid.domain.scoring_profiles import PROFILES

    props = SCHEMAS[model]["properties"]
    assert props["profile"]["enum"] == [*sorted(PROFILES), None]
    assert props["scoring_version"]["enum"] == [*sorted(VERSIONS), None]
    assert props["scoring_version"]["minLength"] == 1
    components = {c for v in VERSIONS.values() for c in v.components}
    assert set(props["weights"]["propertyNames"]["enum"]) == components
    assert props["weights"]["additionalProperties"] == {"type": "number", "minimum": 0, "maximum": 1000}
    with pytest.raises(ValueError, match="scoring_version"):
        resolve(f"{'rfos' if model == 'RfoCreate' else 'ranking'}:{model}").model_validate_json(
            '{"scoring_version": ""}'
        )


def test_an_optional_bounded_field_is_a_nullable_type_with_its_bounds() -> None:
    """The issue's two examples, as a client generator reads them."""
    revise = SCHEMAS["OfferRevise"]["properties"]
    assert {k: revise["unit_price"][k] for k in ("type", "minimum", "maximum")} == {
        "type": ["integer", "null"],
        "minimum": 1,
        "maximum": 10_000_000_000_000,
    }
    assert {k: revise["eta_days"][k] for k in ("type", "minimum", "maximum")} == {
        "type": ["integer", "null"],
        "minimum": 0,
        "maximum": 3650,
    }


def test_the_cursor_pattern_is_the_one_the_store_enforces() -> None:
    assert CURSOR_PATTERN == paging.CURSOR_PATTERN


def _documented_cursor(value: str) -> bool:
    return len(value) <= 2048 and re.fullmatch(CURSOR_PATTERN, value) is not None


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=40),
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-=", max_size=40),
        st.builds(lambda pad: paging.encode({"pk": {"S": "RFO#x"}}) + pad, st.text(alphabet="=!. \n", max_size=5)),
    )
)
def test_a_cursor_outside_the_documented_format_is_refused_and_none_is_a_500(value: str) -> None:
    """Before, surplus padding (a real cursor + "====") was accepted although the document refuses it. A cursor
    the document accepts may still name no position of the listing (400 ``invalid_cursor``, a state of the
    world), but nothing raises anything else."""
    try:
        paging.decode(value, {"pk"})
        accepted = True
    except ValidationFailed as exc:
        assert exc.code == "invalid_cursor"
        accepted = False
    if not _documented_cursor(value):
        assert not accepted, value
    if value == paging.encode({"pk": {"S": "RFO#x"}}):
        assert accepted


def test_a_real_cursor_is_in_the_documented_format() -> None:
    cursor = paging.encode({"pk": {"S": "RFO#rfo_01M8TFJ69GA4310MFRMAJ2HDXS"}, "sk": {"S": "2099-06-01T09:00:00Z"}})
    assert cursor is not None and _documented_cursor(cursor)
    assert paging.decode(cursor, {"pk", "sk"}) == {
        "pk": {"S": "RFO#rfo_01M8TFJ69GA4310MFRMAJ2HDXS"},
        "sk": {"S": "2099-06-01T09:00:00Z"},
    }


@pytest.mark.parametrize("value", ["*", '"4fddc00ccbcec342856291857a65db82"', 'W/"x", "y"', "garbage", "x" * 5000, ""])
def test_if_match_documents_no_constraint_the_server_does_not_enforce(value: str) -> None:
    """Any If-Match value is a precondition the award evaluates (409 ``offer_changed`` unless it names the
    current ETag or ``*``): the document must not call any of them invalid (it said ``maxLength: 1024``, which
    the server never checked)."""
    from jsonschema import Draft202012Validator

    award = DOC["paths"]["/v1/rfos/{rfo_id}/award"]["post"]
    (param,) = [p for p in award["parameters"] if p["name"] == "If-Match"]
    assert Draft202012Validator(param["schema"]).is_valid(value)
    etags.if_match_tags(value)  # evaluated, never refused
