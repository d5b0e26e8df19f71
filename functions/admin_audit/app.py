"""GET /v1/admin/audit: ops search the audit log."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.audit import AuditPage, AuditQuery
from intentbid.services import history


@api_handler("admin_audit")
def handler(req: Request) -> AuditPage:
    return history.search(req.require_principal(), req.query_as(AuditQuery))
