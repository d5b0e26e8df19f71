"""Validation messages (``intentbid.http.validation``) over the real request models: every message names the real
field, says in words what is allowed (no regex, no "Value error,", no pydantic wording), never echoes the value
sent, and keeps a stable code; rules over several fields name each field."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

import intentbid.schemas
from intentbid.domain import errors as e
from intentbid.domain import offer_rules, rfo_rules
from intentbid.domain.money import major, minor_units
from intentbid.domain.offer_rules import OfferTerms, RfoBounds
from intentbid.http import catalog, validation
from intentbid.schemas.accounts import KeyCreate, RegisterRequest
from intentbid.schemas.antigaming import FlagQuery
from intentbid.schemas.offers import OfferCreate, OfferRevise
from intentbid.schemas.rfos import RfoCreate, RfoListQuery
from intentbid_local.testdata import offer_body

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PYDANTIC_WORDING = re.compile(r"Value error|Input should|String should|Field required|Extra inputs|\^|\$'|\\\\")
SECRET = "ib_live_s3cr3t-value-never-echoed"


def errors_of(model: type[BaseModel], body: Any, query: bool = False) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as exc:
        if query:
            model.model_validate(body)
        else:
            model.model_validate_json(json.dumps(body))
    return [x.as_dict() for x in validation.field_errors(exc.value, model, query=query)]


def by_field(errs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {x["field"]: x for x in errs}


def offer(**overrides: Any) -> dict[str, Any]:
    """The kit's valid offer body; an override of None drops the field."""
    body = offer_body(**overrides)
    return {k: v for k, v in body.items() if v is not None}


def test_exactly_one_delivery_field_names_both_fields_in_words() -> None:
    neither = errors_of(OfferCreate, offer(eta_days=None))
    assert [(x["field"], x["code"]) for x in neither] == [
        ("delivery_date", "exactly_one_of"),
        ("eta_days", "exactly_one_of"),
    ]
    assert "neither was sent" in neither[0]["message"] and not neither[0]["message"].startswith("Value error")
    assert neither[0]["params"] == {"fields": ["delivery_date", "eta_days"]}
    both = errors_of(OfferCreate, offer(delivery_date="2030-01-01T00:00:00Z"))
    assert {x["code"] for x in both} == {"exactly_one_of"} and "both were sent" in both[0]["message"]


def test_a_revision_with_nothing_or_both_delivery_fields() -> None:
    [empty] = errors_of(OfferRevise, {})
    assert (empty["field"], empty["code"]) == ("$", "at_least_one_of")
    assert "unit_price" in empty["message"] and "unit_price" in empty["params"]["any_of"]
    both = errors_of(OfferRevise, {"eta_days": 1, "delivery_date": "2030-01-01T00:00:00Z"})
    assert [(x["field"], x["code"]) for x in both] == [
        ("delivery_date", "conflicting_fields"),
        ("eta_days", "conflicting_fields"),
    ]


def test_patterns_are_described_in_words_with_a_stable_code() -> None:
    [slug] = errors_of(RfoListQuery, {"category": "Office Supplies"}, query=True)
    assert (slug["field"], slug["code"]) == ("category", "invalid_format")
    assert "lower-case slug" in slug["message"] and "office-supplies" in slug["message"]
    assert "^" not in slug["message"] and "{0,63}" not in slug["message"]
    day = by_field(errors_of(FlagQuery, {"day": "2020-1-1"}, query=True))["day"]
    assert "YYYY-MM-DD" in day["message"]
    email = by_field(errors_of(RegisterRequest, {"name": "A", "email": "nope"}))["email"]
    assert email["code"] == "invalid_format" and "name@example.com" in email["message"]


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        for v in node.values():
            yield from _patterns(v)
    elif isinstance(node, list):
        for v in node:
            yield from _patterns(v)


def _request_models() -> list[type[BaseModel]]:
    out = []
    for info in pkgutil.iter_modules(intentbid.schemas.__path__):
        module = importlib.import_module(f"intentbid.schemas.{info.name}")
        out += [
            m
            for m in vars(module).values()
            if isinstance(m, type) and issubclass(m, BaseModel) and m.__module__ == module.__name__
        ]
    return out


def test_every_pattern_of_every_model_is_described() -> None:
    patterns = {p for m in _request_models() for p in _patterns(m.model_json_schema())}
    assert len(patterns) >= 5
    assert patterns - set(validation.patterns()) == set()


def test_bounds_lengths_and_choices_are_stated_with_params() -> None:
    errs = by_field(
        errors_of(
            RfoCreate,
            {
                "title": "  ",
                "quantity": 10**10,
                "unit": "x" * 40,
                "disclosure": "public",
                "currency": "XXX",
                "category": "ok",
                "budget_max": 0,
            },
        )
    )
    assert errs["quantity"]["message"] == "quantity must be at most 1000000000."
    assert errs["quantity"]["params"] == {"maximum": 1_000_000_000}
    assert errs["title"]["code"] == "too_short" and "must not be empty" in errs["title"]["message"]
    assert errs["unit"]["params"] == {"maxLength": 32} and "at most 32 characters" in errs["unit"]["message"]
    assert errs["disclosure"]["code"] == "invalid_choice" and errs["disclosure"]["params"] == {
        "allowed": ["sealed", "own_rank"]
    }
    assert errs["currency"]["code"] == "invalid_choice" and "USD" in errs["currency"]["params"]["allowed"]
    assert errs["delivery_region"] == {
        "field": "delivery_region",
        "code": "required",
        "message": "delivery_region is required.",
    }


def test_money_fields_say_their_unit() -> None:
    errs = by_field(errors_of(OfferCreate, offer(unit_price=0)))
    assert errs["unit_price"]["code"] == "out_of_range" and "minor units" in errs["unit_price"]["message"]
    errs = by_field(errors_of(RfoCreate, {"budget_max": "12.50"}))
    assert errs["budget_max"]["code"] == "invalid_type" and "minor units" in errs["budget_max"]["message"]
    assert major(2250, "USD") == "22.50 USD" and major(2250, "JPY") == "2250 JPY"
    assert minor_units("EUR") == "EUR minor units" and "no minor unit" in minor_units("JPY")


def test_types_timezones_and_unknown_fields() -> None:
    errs = by_field(
        errors_of(
            OfferCreate,
            offer(quantity_available="10", availability_confirmed="yes", valid_until="2030-01-01T00:00:00", x=1),
        )
    )
    assert (
        errs["quantity_available"]["message"]
        == "quantity_available must be a whole number (a JSON integer, not quoted)."
    )
    assert "true or false" in errs["availability_confirmed"]["message"]
    assert errs["valid_until"]["code"] == "timezone_required" and "time zone" in errs["valid_until"]["message"]
    assert errs["x"]["code"] == "unknown_field" and "it accepts: unit_price" in errs["x"]["message"]
    [limit] = errors_of(RfoListQuery, {"limit": "ten"}, query=True)
    assert limit["message"] == "limit must be a whole number."  # a query value is always a string: no "not quoted"
    stamp = by_field(errors_of(OfferCreate, offer(valid_until="tomorrow")))["valid_until"]
    assert stamp["code"] == "invalid_type" and "RFC 3339" in stamp["message"]
    window = by_field(errors_of(OfferCreate, offer(valid_until="2200-01-01T00:00:00Z")))["valid_until"]
    assert window["code"] == "out_of_range" and window["params"]["maximum"] == "2100-01-01T00:00:00Z"
    nested = by_field(errors_of(KeyCreate, {"name": "k", "scopes": ["a", 1]}))
    assert nested["scopes[1]"]["message"] == "scopes[1] must be a string."


def test_no_message_echoes_the_value_or_uses_pydantic_wording() -> None:
    bodies: list[tuple[type[BaseModel], Any]] = [
        (OfferCreate, offer(currency=SECRET, notes=1, unit_price=SECRET, valid_until=SECRET, delivery_date=SECRET)),
        (RfoCreate, {"title": SECRET * 10, "category": SECRET, "disclosure": SECRET, "weights": {"a": SECRET}}),
        (RegisterRequest, {"name": "", "email": SECRET, "sandbox": SECRET}),
        (KeyCreate, {"name": SECRET * 10, "environment": SECRET, "expires_at": SECRET, "scopes": SECRET}),
        (OfferRevise, {}),
    ]
    for model, body in bodies:
        for err in errors_of(model, body):
            assert SECRET not in err["message"] and SECRET not in err["field"], err
            assert not PYDANTIC_WORDING.search(err["message"]), err
            assert err["code"] in catalog.BY_CODE, err
            assert err["field"] == "$" or err["field"].split(".")[0].split("[")[0] in model.model_fields, err


def test_a_json_body_pydantics_parser_refuses_is_invalid_json() -> None:
    with pytest.raises(ValidationError) as exc:
        RfoCreate.model_validate_json('{"title": "\\ud800"}')
    with pytest.raises(e.InvalidJson):
        validation.field_errors(exc.value, RfoCreate)


def test_a_client_chosen_key_is_cut_in_the_field_name() -> None:
    errs = errors_of(OfferCreate, offer(**{"k" * 500: 1}))
    [unknown] = [x for x in errs if x["code"] == "unknown_field"]
    assert len(unknown["field"]) == 101 and unknown["field"].endswith("…")


# --- rules after the schema, collected with the schema's errors -----------------------------------------------

RFO = RfoBounds(quantity=100, budget_max=500_000, need_by=NOW + timedelta(days=10))


def test_schema_errors_and_the_offer_rules_come_back_together() -> None:
    body = offer(eta_days=-1, currency="EUR", availability_confirmed=False, unit_price=10_000)
    with pytest.raises(ValidationError) as exc:
        OfferCreate.model_validate_json(json.dumps(body))

    def rules(fields: Any) -> list[e.FieldError]:
        return offer_rules.violations_of(fields, rfo_currency="USD", now=NOW, rfo=RFO)

    failed = validation.failed(exc.value, OfferCreate, body, rules)
    assert failed.code == "validation_failed"
    assert [(x.field, x.code) for x in failed.errors] == [
        ("eta_days", "out_of_range"),
        ("unit_price", "price_out_of_range"),
        ("currency", "currency_mismatch"),
        ("availability_confirmed", "availability_not_confirmed"),
    ]


def test_a_field_the_schema_refused_is_not_judged_again_by_the_rules() -> None:
    body = offer(unit_price=0, currency="usd")
    with pytest.raises(ValidationError) as exc:
        OfferCreate.model_validate_json(json.dumps(body))
    seen: list[Any] = []

    def rules(fields: Any) -> list[e.FieldError]:
        seen.append(dict(fields))
        return [e.FieldError("unit_price", "price_out_of_range", "x"), e.FieldError("notes", "too_long", "y")]

    failed = validation.failed(exc.value, OfferCreate, body, rules)
    assert "unit_price" not in seen[0] and "currency" not in seen[0] and seen[0]["quantity_available"] == 100
    assert isinstance(seen[0]["valid_until"], datetime)  # parsed as the model parses it
    assert [(x.field, x.code) for x in failed.errors] == [
        ("unit_price", "out_of_range"),
        ("currency", "invalid_format"),
        ("notes", "too_long"),
    ]


def test_rfo_dates_and_weights_come_back_with_the_schema_errors() -> None:
    body = {
        "title": "",
        "expires_at": "2020-01-01T00:00:00Z",
        "need_by": "2019-01-01T00:00:00Z",
        "weights": {"karma": 1},
    }
    with pytest.raises(ValidationError) as exc:
        RfoCreate.model_validate_json(json.dumps(body))
    failed = validation.failed(exc.value, RfoCreate, body, lambda f: rfo_rules.create_errors(f, NOW))
    codes = {(x.field, x.code) for x in failed.errors}
    assert {
        ("title", "too_short"),
        ("expires_at", "in_past"),
        ("need_by", "need_by_before_deadline"),
        ("weights.karma", "unknown_component"),
    } <= codes


def test_a_valid_rfo_with_bad_dates_and_bad_weights_gets_one_answer() -> None:
    with pytest.raises(e.ValidationFailed) as exc:
        rfo_rules.check_create(NOW - timedelta(days=1), NOW + timedelta(days=1), None, "karma", None, "x", NOW)
    assert [(x.field, x.code) for x in exc.value.errors] == [("expires_at", "in_past"), ("profile", "unknown_profile")]
    assert "karma" not in exc.value.errors[1].message  # the name sent is not echoed; the known ones are listed


def test_eta_after_need_by_names_need_by_and_the_largest_eta_days() -> None:
    late = OfferTerms(
        3_000, "USD", 100, NOW + timedelta(days=11), NOW + timedelta(days=5), True, delivery_field="eta_days"
    )
    [err] = offer_rules.violations(late, rfo_currency="USD", now=NOW, rfo=RFO)
    assert err.code == "eta_after_need_by" and err.field == "eta_days"
    assert "2026-03-11T12:00:00Z" in err.message and "at most 10" in err.message
    assert err.params == {
        "need_by": "2026-03-11T12:00:00Z",
        "latest_delivery_date": "2026-03-11T12:00:00Z",
        "max_eta_days": 10,
    }
    dated = offer_rules.violations(
        OfferTerms(3_000, "USD", 100, NOW + timedelta(days=11), NOW + timedelta(days=5), True),
        rfo_currency="USD",
        now=NOW,
        rfo=RFO,
    )
    assert dated[0].field == "delivery_date" and "on or before 2026-03-11T12:00:00Z" in dated[0].message


def test_price_band_message_uses_the_fields_unit() -> None:
    terms = OfferTerms(1, "USD", 100, NOW + timedelta(days=1), NOW + timedelta(days=5), True)
    [err] = offer_rules.violations(terms, rfo_currency="USD", now=NOW, rfo=RFO)
    assert "between 250 and 7500 USD minor units (2.50 USD to 75.00 USD)" in err.message
    assert err.params == {"minimum": 250, "maximum": 7_500, "currency": "USD"}


def test_a_revision_reports_a_price_raise_together_with_other_rules() -> None:
    terms = OfferTerms(5_000, "USD", 100, NOW + timedelta(days=1), NOW, True)
    with pytest.raises(e.ValidationFailed) as exc:
        offer_rules.check_revision(
            terms, current_unit_price=3_000, allow_price_increase=False, rfo_currency="USD", now=NOW, rfo=RFO
        )
    assert [(x.field, x.code) for x in exc.value.errors] == [
        ("valid_until", "in_past"),
        ("unit_price", "price_increase_not_allowed"),
    ]
    alone = OfferTerms(5_000, "USD", 100, NOW + timedelta(days=1), NOW + timedelta(days=2), True)
    with pytest.raises(e.ValidationFailed) as exc:
        offer_rules.check_revision(
            alone, current_unit_price=3_000, allow_price_increase=False, rfo_currency="USD", now=NOW, rfo=RFO
        )
    assert exc.value.code == "price_increase_not_allowed" and "3000" in exc.value.detail
    assert exc.value.errors[0].params == {"maximum": 3_000}


def test_a_cooldown_in_the_past_comes_back_with_the_schema_errors() -> None:
    from intentbid.domain import cooldown
    from intentbid.schemas.antigaming import CooldownSet

    body = {"until": "2020-01-01T00:00:00Z", "reason": "x" * 501, "environment": "prod"}
    with pytest.raises(ValidationError) as exc:
        CooldownSet.model_validate_json(json.dumps(body))
    failed = validation.failed(
        exc.value, CooldownSet, body, lambda f: cooldown.manual_errors(f.get("until"), f.get("reason"), NOW)
    )
    assert [(x.field, x.code) for x in failed.errors] == [
        ("reason", "too_long"),
        ("environment", "invalid_choice"),
        ("until", "in_past"),
    ]


def test_every_field_documented_in_minor_units_is_a_money_field() -> None:
    documented = {
        name
        for m in _request_models()
        for name, f in m.model_fields.items()
        if "minor units" in (f.description or "").lower()
    }
    assert documented and documented <= validation.MONEY_FIELDS
