"""Streaming a stored file with HTTP Range support, so a video player can seek."""

import re

from django.core.files.storage import Storage
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

CHUNK_BYTES = 256 * 1024
RANGE_PATTERN = re.compile(r"^bytes=(\d*)-(\d*)$")


def _read(storage: Storage, name: str, start: int, length: int):
    with storage.open(name, "rb") as handle:
        handle.seek(start)
        while length > 0:
            data = handle.read(min(CHUNK_BYTES, length))
            if not data:
                return
            length -= len(data)
            yield data


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(start, end inclusive) of a single-range header, or None when unsatisfiable."""
    match = RANGE_PATTERN.match(header.strip())
    if not match or (not match[1] and not match[2]):
        return None
    if not match[1]:  # suffix: the last N bytes
        start, end = max(0, size - int(match[2])), size - 1
    else:
        start = int(match[1])
        end = min(int(match[2]), size - 1) if match[2] else size - 1
    return (start, end) if start <= end and start < size else None


def ranged_file_response(request: HttpRequest, storage: Storage, name: str, content_type: str) -> HttpResponse:
    size = storage.size(name)
    header = request.headers.get("Range")
    if header is None:
        response = StreamingHttpResponse(_read(storage, name, 0, size), content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        byte_range = _parse_range(header, size)
        if byte_range is None:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        start, end = byte_range
        response = StreamingHttpResponse(
            _read(storage, name, start, end - start + 1), status=206, content_type=content_type
        )
        response["Content-Length"] = str(end - start + 1)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, no-store"
    return response
