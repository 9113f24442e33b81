"""A text/csv renderer, so that `Accept: text/csv` is honoured on the CSV endpoint instead of answering 406."""

import csv
import io

from rest_framework.renderers import BaseRenderer


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        # The results stream past the renderer (StreamingHttpResponse); only errors such as
        # {"detail": "Not found."} come here, written as a one-column table.
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        if isinstance(data, dict):
            writer.writerow(data.keys())
            writer.writerow(data.values())
        return buffer.getvalue().encode(self.charset)
