"""GET /v1/rfos/{rfo_id}/history: the RFO's audit trail."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.audit import HistoryPage
from intentbid.schemas.common import PageQuery
from intentbid.services import history


@api_handler("rfo_history")
def handler(req: Request) -> HistoryPage:
    return history.rfo_history(req.require_principal(), req.path_params["rfo_id"], req.query_as(PageQuery))
