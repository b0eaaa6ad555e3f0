"""Downloads: the file goes to the document store and the client gets a short-lived link to it.

A Lambda response carries at most 6 MB, and an export of a whole search can be larger; S3 has no
such limit and the file never sits whole in memory.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from ..domain.media import XLSX
from .ports import Ports


@dataclass(frozen=True)
class Download:
    url: str
    filename: str


# Temporary downloads live under their own prefix, which the bucket's lifecycle rule expires after a
# day; nightly exports (domain.exports.NIGHTLY_PREFIX) are kept.
DOWNLOADS_PREFIX = "downloads/"


def link(ports: Ports, key: str, filename: str, content_type: str, *, inline: bool = False) -> Download:
    return Download(ports.documents.download_url(key, filename, content_type, inline=inline), filename)


def workbook(ports: Ports, folder: str, filename: str, write: Callable[[IO[bytes]], None]) -> Download:
    """Write the workbook to a temporary file, upload it under a key nobody can guess, link to it."""
    # The key names nobody (a participant's workbook is named after their RUT): the name the browser
    # saves it under travels only in the link's Content-Disposition.
    key = f"{DOWNLOADS_PREFIX}{folder}/{uuid.uuid4().hex}.xlsx"
    with tempfile.TemporaryFile() as out:
        write(out)
        out.seek(0)
        ports.documents.put_file(key, out, XLSX)
    return link(ports, key, filename, XLSX)
