"""IP allowlists: CIDRs (IPv4 and IPv6) a key may be used from. Only the gateway's source IP counts."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from intentbid.domain.errors import FieldError, ValidationFailed

MAX_ENTRIES = 50


def normalise(cidrs: Iterable[str], field: str = "ip_allowlist") -> list[str]:
    """Validate and canonicalise (``203.0.113.7/24`` -> ``203.0.113.0/24``; a bare address is a /32 or
    /128). Duplicates collapse; order is kept. One error per bad entry."""
    out: list[str] = []
    errs: list[FieldError] = []
    items = list(cidrs)
    if len(items) > MAX_ENTRIES:
        raise ValidationFailed(
            "Too many allowlist entries.", errors=[FieldError(field, "too_long", f"at most {MAX_ENTRIES} entries")]
        )
    for i, raw in enumerate(items):
        try:
            net = str(ipaddress.ip_network(raw.strip(), strict=False))
        except (ValueError, TypeError):
            errs.append(FieldError(f"{field}[{i}]", "invalid_cidr", "not an IPv4 or IPv6 address or CIDR"))
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
