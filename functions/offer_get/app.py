"""GET /v1/offers/{offer_id}, with a strong ``ETag`` (offer id + revision) for ``If-Match`` on an award."""

from intentbid.domain.etags import offer_etag
from intentbid.http.api import Request, Response, api_handler
from intentbid.services import offers


@api_handler("offer_get")
def handler(req: Request) -> Response:
    offer = offers.get(req.require_principal(), req.path_params["offer_id"])
    return Response(body=offer, headers={"ETag": offer_etag(offer.id, offer.revision)})
