"""The README's configuration tables, generated from the settings object (:mod:`intentbid.config`).

Each settings group's docstring documents its knobs (variable, default, meaning); :func:`knobs` reads them,
:func:`markdown_table` renders a section and :func:`readme` rewrites the README's generated blocks, each between
``<!-- settings:<section> -->`` and ``<!-- /settings:<section> -->``. ``make config-docs`` writes the README; a
unit test keeps it current. Not imported at cold start (documentation only).
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from intentbid.config import CHOICES, GROUPS, Rate, variable

# README section -> the settings groups it documents, in order.
SECTIONS: dict[str, tuple[str, ...]] = {
    "antigaming": ("offers", "limits", "cooldown", "flags"),
    "environment": ("deployment", "rate_limits", "keys", "auth", "clock", "webhooks", "realtime"),
}

UNSET = "(unset)"


@dataclass(frozen=True, slots=True)
class Knob:
    group: str
    variable: str
    default: str  # as documented; "" when the variable is unset by default
    kind: str  # from the field's type: integer, decimal, boolean, rate, choice or text
    marker: str | None  # the docstring's "(kind)" after the default, if any
    doc: str


_DOC_ENTRY = re.compile(
    r"^ {4}``([A-Z][A-Z0-9_]*)`` = (?:``([^`]*)``|\(unset\))(?: \((\w+)\))?\n((?: {8}.*\n?)+)", re.MULTILINE
)
_KINDS = {int: "integer", Decimal: "decimal", bool: "boolean", Rate: "rate", str: "text"}
UNMARKED = frozenset({"integer", "text"})  # the kinds a docstring does not spell out


def _kind(cls: type[Any], name: str) -> str:
    kind = _KINDS[typing.get_type_hints(cls)[name]]
    return "choice" if kind == "text" and name in CHOICES else kind


def knobs(groups: tuple[str, ...] | None = None) -> list[Knob]:
    """Every knob (of ``groups``, default all) as documented in its group's docstring, in declaration order.
    A field its docstring does not document is left out (a unit test refuses that)."""
    out: list[Knob] = []
    for name in groups or tuple(GROUPS):
        cls = GROUPS[name]
        documented = {m.group(1): m for m in _DOC_ENTRY.finditer(cls.__doc__ or "")}
        for f in fields(cls):
            m = documented.get(variable(cls, f.name))
            if m is None:
                continue
            doc = " ".join(line.strip() for line in m.group(4).splitlines() if line.strip())
            out.append(Knob(name, m.group(1), m.group(2) or "", _kind(cls, f.name), m.group(3), doc))
    return out


def markdown_table(section: str | None = None) -> str:
    """One README table: the knobs of ``section`` (default: every group)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for k in knobs(SECTIONS[section] if section else None):
        default = f"`{k.default}`" if k.default else UNSET
        kind = "" if k.kind in UNMARKED else f" ({k.kind})"
        rows.append(f"| `{k.variable}` | {default}{kind} | {k.doc.replace('``', '`')} |")
    return "\n".join(rows)


def _block(section: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- settings:{section} -->\n).*?(<!-- /settings:{section} -->)", re.DOTALL)


def readme(text: str) -> str:
    """``text`` (the README) with every generated configuration table rewritten from the settings object."""
    for section in SECTIONS:
        pattern = _block(section)
        if not pattern.search(text):
            raise ValueError(f"README has no <!-- settings:{section} --> ... <!-- /settings:{section} --> block")
        table = markdown_table(section)
        text = pattern.sub(lambda m: m.group(1) + table + "\n" + m.group(2), text)  # noqa: B023 - used at once
    return text
