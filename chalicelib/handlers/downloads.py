"""Downloads: the file is written to S3 and the client gets a short-lived link to it.

A Lambda response carries at most 6 MB, and an export of a whole search can be larger; S3 has no
such limit and the file never sits whole in memory. Clients that send `Accept: application/json`
(the web page) get `{url, filename}`; others get a 303 redirect to the same link.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from chalice.app import Request, Response

from ..wiring import get_documents
from .http import json_response, request_header

if TYPE_CHECKING:
    from ..renderers.excel import Sheet


def deliver_workbook(request: Request, folder: str, filename: str, sheets: Iterable[Sheet]) -> Response:
    from ..renderers.excel import CONTENT_TYPE, write_workbook

    store = get_documents()
    key = f"exports/{folder}/{uuid.uuid4().hex}/{filename}"
    with tempfile.TemporaryFile() as out:
        write_workbook(out, sheets)
        out.seek(0)
        store.put_file(key, out, CONTENT_TYPE)
    return deliver_link(request, key, filename, CONTENT_TYPE)


def deliver_link(request: Request, key: str, filename: str, content_type: str, *, inline: bool = False) -> Response:
    """A short-lived link to a stored object: JSON for the web page, a 303 redirect for anyone else."""
    url = get_documents().download_url(key, filename, content_type, inline=inline)
    if "application/json" in request_header(request, "accept"):
        return json_response({"url": url, "filename": filename})
    return Response(body="", status_code=303, headers={"Location": url, "Cache-Control": "no-store"})
