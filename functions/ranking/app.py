"""GET /v1/rfos/{rfo_id}/ranking: the buyer's ranked offers."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.ranking import Ranking, RankingQuery
from intentbid.services import ranking


@api_handler("ranking")
def handler(req: Request) -> Ranking:
    return ranking.rank(req.require_principal(), req.path_params["rfo_id"], req.query_as(RankingQuery))
