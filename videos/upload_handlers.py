"""Uploads stream to a temporary file and stop past VIDEO_MAX_UPLOAD_BYTES; upload_was_too_large()
tells the view, which lets the form say so (the request's file is then missing, not partial)."""

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import HttpRequest

# Multipart framing around the file: a request this much over the limit may still hold a file under it.
FRAMING_BYTES = 1024 * 1024


class SizeLimitedUploadHandler(TemporaryFileUploadHandler):
    """Streams every upload to a temporary file and stops reading past the size limit."""

    too_large = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.too_large = content_length > settings.VIDEO_MAX_UPLOAD_BYTES + FRAMING_BYTES

    def new_file(self, *args, **kwargs):
        if self.too_large:
            raise StopUpload(connection_reset=False)
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.VIDEO_MAX_UPLOAD_BYTES:
            self.too_large = True
            self.file.close()
            raise StopUpload(connection_reset=False)
        return super().receive_data_chunk(raw_data, start)


def upload_was_too_large(request: HttpRequest) -> bool:
    """Whether this request's upload was stopped for its size (its body must have been parsed)."""
    return any(isinstance(h, SizeLimitedUploadHandler) and h.too_large for h in request.upload_handlers)
