"""GET /v1/rfos/{rfo_id}/ranking/explain: per-offer contributions, penalties, tie-break keys and flags."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.ranking import Explain, RankingQuery
from intentbid.services import ranking


@api_handler("ranking_explain")
def handler(req: Request) -> Explain:
    return ranking.explain(req.require_principal(), req.path_params["rfo_id"], req.query_as(RankingQuery))
