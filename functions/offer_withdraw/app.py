"""POST /v1/offers/{offer_id}/withdraw."""

from intentbid.http.api import Request, api_handler
from intentbid.schemas.offers import Offer
from intentbid.services import offers


@api_handler("offer_withdraw")
def handler(req: Request) -> Offer:
    return offers.withdraw(req.require_principal(), req.path_params["offer_id"])
