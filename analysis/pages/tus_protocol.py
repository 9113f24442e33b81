"""What both tus endpoints share (the API's /api/uploads/ and a participant's recording): the protocol's
version, the content type of appended bytes, and its whole-number headers."""

TUS_VERSION = "1.0.0"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"


def whole_number_header(request, name: str) -> int | None:
    """A header holding a number of bytes (Upload-Offset, Upload-Length...); None when absent, ValueError
    when it is not a whole number. `request`: Django's or DRF's, anything with `headers`."""
    value = request.headers.get(name)
    if value is None:
        return None
    if not value.isdigit():
        raise ValueError(f"{name} must be a whole number of bytes.")
    return int(value)
