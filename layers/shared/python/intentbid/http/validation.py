"""pydantic's validation errors -> field errors a person can act on.

Each error names the real field (``weights.price``, ``scopes[2]``; a rule over several fields gives one error per
field it involves), keeps a stable ``code``, and says in words what is allowed: bounds, choices, formats described
rather than quoted as a regex, money in the unit the field uses. The value sent is never echoed (it may be a
secret). Bounds and choices are also in ``params`` for machines.

:func:`failed` also runs the rules that come after the schema (``rules``: e.g. the offer rules that need the RFO)
over the fields that did validate, so one answer lists every field error of the request, not one batch per attempt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from intentbid.domain import cidr
from intentbid.domain import errors as e
from intentbid.domain.money import CURRENCIES

if TYPE_CHECKING:
    from pydantic import TypeAdapter

Rules = Callable[[Mapping[str, Any]], list[e.FieldError]]

CODES = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "greater_than": "out_of_range",
    "greater_than_equal": "out_of_range",
    "less_than": "out_of_range",
    "less_than_equal": "out_of_range",
    "string_too_long": "too_long",
    "string_too_short": "too_short",
    "too_long": "too_long",
    "too_short": "too_short",
    "string_pattern_mismatch": "invalid_format",
    "literal_error": "invalid_choice",
    "enum": "invalid_choice",
    "timezone_aware": "timezone_required",
}
# Raised by the schemas themselves (PydanticCustomError): their code is pydantic's error type.
CUSTOM_CODES = frozenset({"out_of_range", "invalid_choice", "exactly_one_of", "conflicting_fields", "at_least_one_of"})
FALLBACK_CODE = "invalid_value"


# Every pattern a request schema carries, in words (a unit test proves none is missing). Built on the first
# refused pattern, not at import: the schemas' modules are not every function's to load (cold start).
@cache
def patterns() -> dict[str, str]:
    from intentbid.schemas.accounts import EMAIL_PATTERN
    from intentbid.schemas.common import NON_BLANK
    from intentbid.schemas.rfos import SLUG

    return {
        SLUG: "a lower-case slug of 1 to 64 characters: letters a-z, digits, '-' and '_', starting with a letter "
        "or digit (e.g. 'office-supplies')",
        r"^[A-Z]{3}$": f"a three-letter upper-case ISO 4217 currency code, one of {', '.join(sorted(CURRENCIES))}",
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "a UTC day written YYYY-MM-DD (e.g. 2030-01-31)",
        EMAIL_PATTERN: "an email address such as name@example.com (no spaces, quotes or angle brackets)",
        NON_BLANK: "text with at least one visible character (not only spaces)",
        cidr.PATTERN: "an IPv4 or IPv6 address or CIDR (e.g. 203.0.113.0/24 or 2001:db8::/32)",
    }


# Fields that carry money: integers in minor units of the request's (or the RFO's) currency.
MONEY_FIELDS = frozenset({"unit_price", "budget_max"})
MINOR_UNITS = "in minor units of the currency (e.g. 1250 means 12.50 USD; 1250 JPY is 1250 yen)"
TIMESTAMP = "an RFC 3339 date-time with a time zone, e.g. 2030-01-31T12:00:00Z"

_TYPES = {
    "int": "a whole number",
    "float": "a number",
    "decimal": "a number",
    "string": "a string",
    "bool": "true or false",
    "dict": "a JSON object",
    "model": "a JSON object",
    "list": "a JSON array",
    "tuple": "a JSON array",
    "set": "a JSON array",
    "datetime": TIMESTAMP,
    "date": "a date written YYYY-MM-DD",
    "none": "null",
}
_NAME_CHARS = 100  # a client-chosen key (an unknown field, a weight's name) is cut in ``field``


def _loc_to_field(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = str(part) if len(str(part)) <= _NAME_CHARS else str(part)[:_NAME_CHARS] + "…"
            out += ("." if out else "") + name
    return out


def _choices(expected: str) -> list[str]:
    """pydantic's ``'a', 'b' or 'c'`` (from the schema, not the input) as a list."""
    return re.findall(r"'([^']*)'", expected)


def _code(kind: str) -> str:
    if kind in CODES:
        return CODES[kind]
    if kind in CUSTOM_CODES:
        return kind
    if kind.endswith("_type") or "parsing" in kind or kind in ("int_from_float", "datetime_from_date_parsing"):
        return "invalid_type"
    return FALLBACK_CODE


def _type_message(name: str, kind: str, query: bool) -> str:
    base = kind.split("_", 1)[0]
    if kind.startswith("datetime") or kind.startswith("date_from"):
        base = "datetime"
    want = _TYPES.get(base, "of the type the schema names")
    text = f"{name} must be {want}"
    if base == "int" and not query:
        text += " (a JSON integer, not quoted)"
    elif base in ("float", "bool") and not query:
        text += " (a JSON " + ("number" if base == "float" else "boolean") + ", not quoted)"
    if name.rsplit(".", 1)[-1] in MONEY_FIELDS:
        text += ", " + MINOR_UNITS
    return text + "."


def _bound(name: str, kind: str, ctx: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    key, words, schema_key = {
        "greater_than_equal": ("ge", "at least", "minimum"),
        "greater_than": ("gt", "greater than", "exclusiveMinimum"),
        "less_than_equal": ("le", "at most", "maximum"),
        "less_than": ("lt", "less than", "exclusiveMaximum"),
    }[kind]
    value = ctx.get(key)
    unit = f", {MINOR_UNITS}" if name.rsplit(".", 1)[-1] in MONEY_FIELDS else ""
    return f"{name} must be {words} {value}{unit}.", {schema_key: value}


def _length(name: str, kind: str, ctx: Mapping[str, Any], query: bool) -> tuple[str, dict[str, Any]]:
    items = not kind.startswith("string")
    what = "items" if items else "characters"
    if kind.endswith("too_short"):
        n = int(ctx.get("min_length", 1))
        if n == 1 and not items:
            spaces = "" if query else " (leading and trailing spaces do not count)"
            return f"{name} must not be empty{spaces}.", {"minLength": 1}
        if n == 1:
            return f"{name} must have at least one item.", {"minItems": 1}
        return f"{name} must have at least {n} {what}.", {"minItems" if items else "minLength": n}
    n = int(ctx.get("max_length", 0))
    return f"{name} must have at most {n} {what}.", {"maxItems" if items else "maxLength": n}


def _pattern(name: str, ctx: Mapping[str, Any]) -> str:
    described = patterns().get(str(ctx.get("pattern", "")))
    if described is None:
        return f"{name} does not have the required format (see its pattern in the OpenAPI document)."
    return f"{name} must be {described}."


def _unknown(name: str, model: type[BaseModel] | None, query: bool) -> str:
    accepted = ", ".join(f.alias or n for n, f in model.model_fields.items()) if model else ""
    place = "query parameter" if query else "field"
    return f"{name} is not a {place} of this request" + (f"; it accepts: {accepted}." if accepted else ".")


Said = tuple[str, dict[str, Any] | None]  # (message, params)


@dataclass(frozen=True, slots=True)
class _Err:
    name: str  # the field, as errors[].field names it
    kind: str  # pydantic's error type
    msg: str
    ctx: Mapping[str, Any]
    model: type[BaseModel] | None
    query: bool


def _choice(x: _Err) -> Said:
    allowed = _choices(str(x.ctx.get("expected", "")))
    return f"{x.name} must be one of: {', '.join(allowed)}.", {"allowed": allowed}


def _custom(x: _Err) -> Said:
    """The schema's own sentence (it names no value) and its figures."""
    params = {k: v for k, v in x.ctx.items() if isinstance(v, (str, int, list))} or None
    return (x.msg if x.name == "$" else f"{x.name} {x.msg}."), params


_BY_KIND: dict[str, Callable[[_Err], Said]] = {
    "missing": lambda x: (f"{x.name} is required.", None),
    "extra_forbidden": lambda x: (_unknown(x.name, x.model, x.query), None),
    "string_pattern_mismatch": lambda x: (_pattern(x.name, x.ctx), None),
    "literal_error": _choice,
    "enum": _choice,
    "timezone_aware": lambda x: (
        f"{x.name} needs a time zone: end it with Z or an offset such as +02:00 (e.g. 2030-01-31T12:00:00Z).",
        None,
    ),
    **{k: lambda x: _bound(x.name, x.kind, x.ctx) for k in ("greater_than", "greater_than_equal", "less_than")},
    "less_than_equal": lambda x: _bound(x.name, x.kind, x.ctx),
    **{
        k: lambda x: _length(x.name, x.kind, x.ctx, x.query)
        for k in ("string_too_short", "string_too_long", "too_short", "too_long")
    },
    **dict.fromkeys(CUSTOM_CODES, _custom),
}


def _message(x: _Err) -> Said:
    """(message, params) of one pydantic error."""
    said = _BY_KIND.get(x.kind)
    if said is not None:
        return said(x)
    if _code(x.kind) == "invalid_type":
        return _type_message(x.name, x.kind, x.query), None
    return f"{x.name} is not valid here; see the field's schema in the OpenAPI document.", None


def _one(err: ErrorDetails, model: type[BaseModel] | None, query: bool) -> list[e.FieldError]:
    kind, msg = str(err["type"]), str(err["msg"])
    ctx: Mapping[str, Any] = err.get("ctx") or {}
    code = _code(kind)
    if kind in CUSTOM_CODES and "fields" in ctx:  # a rule over several fields: one error per field it involves
        names = [str(f) for f in ctx["fields"]]
        return [e.FieldError(f, code, msg, {"fields": names}) for f in names]
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    field = _loc_to_field(loc) or "$"
    message, params = _message(_Err(field, kind, msg, ctx, model, query))
    return [e.FieldError(field, code, message, params)]


def field_errors(
    exc: ValidationError, model: type[BaseModel] | None = None, *, query: bool = False
) -> list[e.FieldError]:
    """Every error of ``exc`` as field errors (input never echoed). 400 ``invalid_json`` for a body pydantic's
    stricter JSON parser refuses although ``json.loads`` took it (e.g. a lone UTF-16 surrogate)."""
    details = exc.errors(include_input=False, include_url=False)
    for err in details:
        if err["type"] == "json_invalid":
            why = str((err.get("ctx") or {}).get("error", "malformed"))
            raise e.InvalidJson(f"The request body is not valid JSON: {why}.")
    out: list[e.FieldError] = []
    for err in details:
        for item in _one(err, model, query):
            if item not in out:
                out.append(item)
    return out


def top_field(field: str) -> str:
    """``weights.price`` -> ``weights``; ``scopes[2]`` -> ``scopes``."""
    return re.split(r"[.\[]", field, maxsplit=1)[0]


@cache
def _field_adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    from typing import Annotated

    from pydantic import TypeAdapter  # lazy: pydantic.type_adapter is not every function's to load

    info = model.model_fields[name]
    config = ConfigDict(
        strict=bool(model.model_config.get("strict")),
        str_strip_whitespace=bool(model.model_config.get("str_strip_whitespace")),
    )
    annotated: Any = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
    return TypeAdapter(annotated, config=config)


def valid_fields(model: type[BaseModel], body: Mapping[str, Any], failed: set[str]) -> dict[str, Any]:
    """The fields of ``body`` that validate on their own (those not in ``failed``), parsed as the model would."""
    out: dict[str, Any] = {}
    for name, raw in body.items():
        if name in failed or name not in model.model_fields:
            continue
        try:
            out[name] = _field_adapter(model, name).validate_json(json.dumps(raw))
        except (ValidationError, ValueError, TypeError):
            continue
    return out


def failed(
    exc: ValidationError,
    model: type[BaseModel],
    body: Mapping[str, Any] | None = None,
    rules: Rules | None = None,
    *,
    query: bool = False,
) -> e.ValidationFailed:
    """``validation_failed`` naming every field: the schema's errors, plus what ``rules`` find in the fields that
    did validate (a field the schema already refused is not judged again)."""
    errs = field_errors(exc, model, query=query)
    if rules is not None and body is not None:
        bad = {top_field(x.field) for x in errs}
        errs += [x for x in rules(valid_fields(model, body, bad)) if top_field(x.field) not in bad]
    return e.ValidationFailed(f"{len(errs)} field(s) failed validation.", errors=errs)
