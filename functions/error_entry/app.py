"""GET /errors/{code}: one error's page (status, meaning, fix, example), the target of every problem's ``type``."""

from intentbid.domain.errors import NotFound
from intentbid.http import catalog
from intentbid.http.api import Request, Response, api_handler


@api_handler("error_entry")
def handler(req: Request) -> Response:
    code = req.path_params.get("code", "")
    if code not in catalog.BY_CODE:
        raise NotFound("No such error code: GET /errors lists them all.")  # the code is not echoed
    if catalog.wants_json(req.headers.get("accept", "")):
        return Response(body=catalog.entry_json(code), headers=dict(catalog.PAGE_HEADERS))
    return Response(
        body=catalog.entry_html(code), headers=dict(catalog.PAGE_HEADERS), content_type="text/html; charset=utf-8"
    )
