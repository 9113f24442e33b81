"""Where a stored video is read: a local path, a signed URL for object storage, or a temporary copy."""

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


@contextmanager
def worker_video_location(field_file: FieldFile, valid_s: int) -> Iterator[str]:
    """What the analysis workers open, wherever in the cluster they run.

    A storage path (local or shared storage); for object storage, a signed URL valid for
    `valid_s`, which each worker reads its own segment from with HTTP range requests, so the video
    is never copied whole; otherwise (a storage with neither) a temporary local copy.
    """
    storage = field_file.storage
    try:
        yield storage.path(field_file.name)
        return
    except NotImplementedError:
        pass
    try:
        url = storage.url(field_file.name, expire=valid_s)
    except TypeError:  # a storage whose url() takes no expiry: not a signed one
        url = ""
    if url.startswith(("http://", "https://")):
        yield url
        return
    with local_video_path(field_file) as path:
        yield path
