"""Who is calling: principal kinds and the scopes each kind may hold (API.md, Principals and scopes)."""

from __future__ import annotations

from dataclasses import dataclass

KIND_SCOPES: dict[str, frozenset[str]] = {
    "vendor": frozenset(
        {
            "rfos:read",
            "offers:read",
            "offers:write",
            "keys:manage",
            "webhooks:manage",
            "billing:read",
            "billing:manage",
            "profile:manage",
        }
    ),
    "buyer": frozenset({"rfos:read", "rfos:write", "offers:read", "keys:manage", "webhooks:manage"}),
    "admin": frozenset({"admin"}),
}
ACCOUNT_PREFIX = {"vendor": "ven", "buyer": "buy", "admin": "adm"}


@dataclass(frozen=True, slots=True)
class Principal:
    kind: str  # vendor | buyer | admin
    id: str
    key_id: str
    scopes: frozenset[str]
    environment: str  # live | test (sandbox)
    request_id: str | None = None  # the request this principal is acting in (for the audit trail)
    source_ip: str | None = None

    def has(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def is_admin(self) -> bool:
        return self.kind == "admin"
