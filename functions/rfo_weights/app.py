"""PUT /v1/rfos/{rfo_id}/weights: re-weigh the offers (re-ranks at once)."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.ranking import WeightsUpdate
from intentbid.schemas.rfos import Rfo
from intentbid.services import ranking


@api_handler("rfo_weights")
def handler(req: Request) -> Rfo:
    return ranking.set_weights(req.require_principal(), req.path_params["rfo_id"], req.body(WeightsUpdate))
