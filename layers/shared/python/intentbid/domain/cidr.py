"""IP allowlists: CIDRs (IPv4 and IPv6) a key may be used from. Only the gateway's source IP counts."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from intentbid.domain.errors import FieldError, ValidationFailed

MAX_ENTRIES = 50

# What :func:`normalise` accepts, as a regular expression for the OpenAPI document (clients and fuzzers): an IPv4
# address (no leading zeros) or IPv6 address (no zone), each with an optional prefix length. Every string it
# matches is accepted (a property test holds it); the server may accept a little more (surrounding spaces).
_H = "[0-9A-Fa-f]{1,4}"
_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_V4 = rf"{_OCTET}(\.{_OCTET}){{3}}"
_V6 = (
    "("
    + "|".join(
        [
            rf"({_H}:){{7}}{_H}",
            rf"({_H}:){{1,7}}:",
            rf"({_H}:){{1,6}}:{_H}",
            rf"({_H}:){{1,5}}(:{_H}){{1,2}}",
            rf"({_H}:){{1,4}}(:{_H}){{1,3}}",
            rf"({_H}:){{1,3}}(:{_H}){{1,4}}",
            rf"({_H}:){{1,2}}(:{_H}){{1,5}}",
            rf"{_H}:(:{_H}){{1,6}}",
            rf":((:{_H}){{1,7}}|:)",
        ]
    )
    + ")"
)
PATTERN = rf"^({_V4}(/(3[0-2]|[12]?[0-9]))?|{_V6}(/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))?)$"


def normalise(cidrs: Iterable[str], field: str = "ip_allowlist") -> list[str]:
    """Validate and canonicalise (``203.0.113.7/24`` -> ``203.0.113.0/24``; a bare address is a /32 or
    /128). Duplicates collapse; order is kept. One error per bad entry."""
    out: list[str] = []
    errs: list[FieldError] = []
    items = list(cidrs)
    if len(items) > MAX_ENTRIES:
        raise ValidationFailed(
            "Too many allowlist entries.",
            errors=[
                FieldError(
                    field, "too_long", f"{field} must have at most {MAX_ENTRIES} entries", {"maxItems": MAX_ENTRIES}
                )
            ],
        )
    for i, raw in enumerate(items):
        try:
            net = str(ipaddress.ip_network(raw.strip(), strict=False))
        except (ValueError, TypeError):
            errs.append(
                FieldError(
                    f"{field}[{i}]",
                    "invalid_cidr",
                    f"{field}[{i}] must be an IPv4 or IPv6 address or CIDR (e.g. 203.0.113.0/24 or 2001:db8::/32)",
                )
            )
            continue
        if net not in out:
            out.append(net)
    if errs:
        raise ValidationFailed("The IP allowlist is not valid.", errors=errs)
    return out


def allows(cidrs: Iterable[str], source_ip: str | None) -> bool:
    """An empty allowlist allows any address; otherwise the source IP must fall in one entry.
    IPv4-mapped IPv6 sources (``::ffff:203.0.113.7``) are matched as IPv4."""
    entries = list(cidrs)
    if not entries:
        return True
    if not source_ip:
        return False
    try:
        ip = ipaddress.ip_address(source_ip.strip())
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for entry in entries:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False
