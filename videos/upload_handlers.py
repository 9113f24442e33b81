from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler


class SizeLimitedUploadHandler(TemporaryFileUploadHandler):
    """Streams every upload to a temporary file and stops reading past the size limit.

    The form then reports the file as too large (request.upload_too_large).
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.request.upload_too_large = content_length > settings.VIDEO_MAX_UPLOAD_BYTES + 1024 * 1024

    def new_file(self, *args, **kwargs):
        if self.request.upload_too_large:
            raise StopUpload(connection_reset=False)
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.VIDEO_MAX_UPLOAD_BYTES:
            self.request.upload_too_large = True
            self.file.close()
            raise StopUpload(connection_reset=False)
        return super().receive_data_chunk(raw_data, start)
