"""The webhook URL rules (API.md "Webhook URL rules"), pure: the shape of a URL and which addresses a connection
may reach. :mod:`intentbid.adapters.outbound` applies them at create and patch (with a courtesy resolution) and
again at every connection, on the addresses it resolved and pins.

Refused: anything but ``https`` (``http`` only to a loopback receiver where the local runtime allows it),
userinfo, fragments, hosts that are neither an IP literal nor a public-looking DNS name (single labels, numeric
or hex "names" that resolvers read as IPv4, ``localhost``, ``.local``/``.internal``/``.localhost`` names), and
every address that is not globally routable: loopback, private, link-local, CGNAT, multicast, unspecified,
reserved, documentation and benchmark ranges, the cloud metadata addresses, and IPv4-mapped, NAT64 or 6to4
forms of any of those.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from intentbid.domain.errors import FieldError, ValidationFailed

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

CODE = "webhook_url_not_allowed"
MAX_URL_CHARS = 2048
METADATA = (ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"))
CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
LOCAL_NAMES = ("localhost",)
# Suffixes that never name a public host (RFC 6761/6762, and the clouds' internal zones).
PRIVATE_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".intranet", ".lan", ".corp")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TLD = re.compile(r"^(?=.*[a-z])[a-z0-9-]{2,63}$")  # a letter somewhere: "1", "0x7f" are no top-level domain


def refusal(reason: str, field: str = "url") -> ValidationFailed:
    """The one 400 of every URL rule: ``webhook_url_not_allowed`` naming the rule (never the URL)."""
    return ValidationFailed(
        f"The webhook URL is not allowed: {reason}.",
        code=CODE,
        errors=[FieldError(field, CODE, f"{field} is not allowed: {reason}")],
    )


@dataclass(frozen=True, slots=True)
class Target:
    """A URL that passed the shape rules: where to connect and what to say there."""

    scheme: str
    host: str  # lower case; an IPv6 literal without brackets
    port: int
    path: str  # path and query, never empty ("/")
    host_header: str  # Host (and TLS SNI name unless an IP literal)
    address: IPAddress | None  # the literal's address, None for a DNS name

    @property
    def redacted(self) -> str:
        """What audit entries and logs may show: no query string (receivers put tokens there)."""
        path = self.path.split("?", 1)[0]
        return f"{self.scheme}://{self.host_header}{path}" + ("?…" if "?" in self.path else "")


def address_problem(ip: IPAddress, allow_loopback: bool) -> str | None:
    """Why a connection may not reach ``ip`` (None: it may). IPv4 embedded in IPv6 is judged as IPv4."""
    if ip in METADATA:
        return "it is a cloud metadata address"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return "it is an IPv4-mapped IPv6 address"
        embedded = None
        if ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        elif ip in SIX_TO_FOUR:
            embedded = ip.sixtofour
        if embedded is not None:
            why = address_problem(embedded, allow_loopback=False)
            return f"it embeds an IPv4 address that {why.removeprefix('it ')}" if why else None
    if ip.is_loopback:
        return None if allow_loopback else "it is a loopback address"
    for refused, why in (
        (ip.is_unspecified, "it is the unspecified address"),
        (ip.is_multicast, "it is a multicast address"),
        (ip.is_link_local, "it is a link-local address"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in CGNAT, "it is a carrier-grade NAT (100.64.0.0/10) address"),
        (ip.is_private, "it is a private address"),
        (ip.is_reserved or not ip.is_global, "it is not a public address"),
    ):
        if refused:
            return why
    return None


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _name_problem(host: str, allow_loopback: bool) -> str | None:
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return None if allow_loopback else "localhost is a loopback name"
    if not host.isascii():
        return "the host name must be ASCII (use its xn-- form)"
    labels = host.rstrip(".").split(".")
    if len(labels) < 2:
        return "the host must be a fully qualified public DNS name or an IP address"
    if not all(_LABEL.match(label) for label in labels) or not _TLD.match(labels[-1]):
        return "the host is not a valid DNS name"
    if any(host.rstrip(".").endswith(s) for s in PRIVATE_SUFFIXES):
        return "the host name belongs to a private or local zone"
    return None


def is_loopback_host(target: Target) -> bool:
    if target.address is not None:
        return target.address.is_loopback
    return target.host in LOCAL_NAMES or target.host.endswith(".localhost")


def parse(url: str, allow_local: bool, field: str = "url") -> Target:  # noqa: PLR0912 - one branch per rule
    """Check the URL's shape and, for an IP literal, its address. ``allow_local``: loopback receivers (and
    ``http`` to them) are allowed — the local runtime only."""
    if len(url) > MAX_URL_CHARS:
        raise refusal(f"it is longer than {MAX_URL_CHARS} characters", field)
    if any(c.isspace() or ord(c) < 0x20 or c == "\\" for c in url):
        raise refusal("it contains whitespace, control characters or backslashes", field)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise refusal("it is not a valid absolute URL with a valid port", field) from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise refusal("the scheme must be https", field)
    if "@" in parts.netloc:
        raise refusal("it must not carry user information (user:password@)", field)
    if parts.fragment or url.endswith("#"):
        raise refusal("it must not carry a fragment (#...)", field)
    host = (parts.hostname or "").lower()
    if not host:
        raise refusal("it has no host", field)
    if port == 0:
        raise refusal("the port must be between 1 and 65535", field)
    address = _literal(host)
    if address is not None:
        if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
            raise refusal("an IPv6 zone index is not allowed", field)
        why = address_problem(address, allow_local)
    else:
        why = _name_problem(host, allow_local)
    if why:
        raise refusal(why, field)
    bracketed = f"[{host}]" if isinstance(address, ipaddress.IPv6Address) else host
    default = 443 if scheme == "https" else 80
    target = Target(
        scheme=scheme,
        host=host,
        port=port or default,
        path=(parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
        host_header=bracketed if port in (None, default) else f"{bracketed}:{port}",
        address=address,
    )
    if scheme == "http" and not (allow_local and is_loopback_host(target)):
        raise refusal("the scheme must be https", field)
    return target
