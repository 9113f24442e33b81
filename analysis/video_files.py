"""A local path for a stored video: the file itself on local storage, a temporary copy otherwise."""

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePath

from django.db.models.fields.files import FieldFile


@contextmanager
def local_video_path(field_file: FieldFile) -> Iterator[str]:
    storage = field_file.storage
    try:
        yield storage.path(field_file.name)
        return
    except NotImplementedError:
        pass  # remote storage (S3): copy it down in chunks
    suffix = PurePath(field_file.name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as local, storage.open(field_file.name, "rb") as remote:
        shutil.copyfileobj(remote, local, length=1024 * 1024)
        local.flush()
        yield local.name
