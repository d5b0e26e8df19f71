"""GET /errors: the error catalog (HTML; ``Accept: application/json`` for the machine-readable list)."""

from intentbid.http import catalog
from intentbid.http.api import Request, Response, api_handler


@api_handler("errors")
def handler(req: Request) -> Response:
    if catalog.wants_json(req.headers.get("accept", "")):
        return Response(body=catalog.catalog_json(), headers=dict(catalog.PAGE_HEADERS))
    return Response(
        body=catalog.index_html(), headers=dict(catalog.PAGE_HEADERS), content_type="text/html; charset=utf-8"
    )
