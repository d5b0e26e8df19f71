"""GET /v1/scoring: the scoring versions and weight profiles, published in advance."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.ranking import ScoringCatalog
from intentbid.services import ranking


@api_handler("scoring_catalog")
def handler(req: Request) -> ScoringCatalog:
    return ranking.catalog()
