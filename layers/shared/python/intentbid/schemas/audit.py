from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from intentbid.schemas.common import Out, Timestamp


class ActorOut(Out):
    kind: Literal["vendor", "buyer", "admin", "system"]
    id: str
    key_id: str | None = None


class HistoryEntry(Out):
    id: str
    object: Literal["audit_entry"] = "audit_entry"
    action: str
    actor: ActorOut
    from_status: str | None = None
    to_status: str | None = None
    reason: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict, description="What changed (never secrets)")
    at: Timestamp


class HistoryPage(Out):
    object: Literal["list"] = "list"
    data: list[HistoryEntry]
    next_cursor: str | None = None


class AuditEntry(HistoryEntry):
    target_id: str
    target_type: str
    request_id: str | None = None
    source_ip: str | None = None
    environment: str


class AuditPage(Out):
    object: Literal["list"] = "list"
    data: list[AuditEntry]
    next_cursor: str | None = None


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    target: str | None = Field(None, max_length=64, description="An object id (rfo_…, off_…, ven_…)")
    actor: str | None = Field(None, max_length=64, description="An actor id (buy_…, ven_…, adm_…, system)")
    day: str | None = Field(None, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", description="UTC day; default today")
    limit: int = Field(20, ge=1, le=100)
    cursor: str | None = Field(None, max_length=2048)
