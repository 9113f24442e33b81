"""Resumable uploads in progress (the storage side of tus 1.0): create one, append the bytes that
arrive at its offset, hand the finished file on, and remove what expired or was abandoned.

The bytes go to one file per upload in UPLOAD_PARTIAL_DIR, appended in place: a finished upload is
moved, not copied, into a file storage on the same disk. The size limit and the storage quota
count an upload's declared length from its first byte, so a quota cannot be passed by many uploads
at once.
"""

import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from .models import PartialUpload
from .storage_quota import lock_owner, storage_refusal
from .upload_checks import file_refusal

log = logging.getLogger(__name__)

BLOCK_BYTES = 1024 * 1024  # read from the request in blocks: memory stays flat whatever the chunk size
# ...and written in smaller pieces: 1 MiB writes cost the kernel up to 6x more CPU here (bench.upload).
WRITE_BYTES = 64 * 1024


class UploadRefused(ValueError):
    """The upload cannot go on; `field` is the upload form's field the message belongs to (or None)."""

    def __init__(self, message: str, field: str | None = "file", status: int = 400):
        super().__init__(message)
        self.field = field
        self.status = status


class OffsetMismatch(ValueError):
    """The bytes sent do not start where the upload stands (tus answers 409 with the real offset)."""


class PartialFile(UploadedFile):
    """A finished upload's file, as the upload form and the storage take an upload: by path."""

    def __init__(self, path: Path, name: str, size: int):
        super().__init__(path.open("rb"), name=name, content_type="application/octet-stream", size=size)
        self.path = path

    def temporary_file_path(self) -> str:
        return str(self.path)


def partial_dir() -> Path:
    return Path(settings.UPLOAD_PARTIAL_DIR)


def file_path(upload: PartialUpload) -> Path:
    return partial_dir() / f"{upload.pk}.part"


def create(owner: AbstractBaseUser, filename: str, length: int, metadata: dict) -> PartialUpload:
    """A new upload of `length` bytes, after the checks that need no byte of it; UploadRefused."""
    probe = UploadedFile(name=filename, size=length)
    if message := file_refusal(probe):
        raise UploadRefused(message, status=413 if length > settings.VIDEO_MAX_UPLOAD_BYTES else 400)
    with transaction.atomic():
        lock_owner(owner)  # two uploads starting together are counted one after the other
        if message := storage_refusal(owner, length):
            raise UploadRefused(message, status=413)
        upload = PartialUpload.objects.create(
            owner=owner,
            filename=filename[:255],
            metadata=metadata,
            length=length,
            expires_at=timezone.now() + timedelta(seconds=settings.UPLOAD_EXPIRE_S),
        )
    partial_dir().mkdir(parents=True, exist_ok=True)
    file_path(upload).touch()
    return upload


def append(upload: PartialUpload, offset: int, read: Callable[[int], bytes], sent: int | None) -> PartialUpload:
    """Append the bytes `read` gives (up to `sent`, or to the end of the upload) at `offset`.

    One append at a time per upload (a lock on its file, so that no database lock is held while the
    bytes arrive); OffsetMismatch if `offset` is not where the upload stands, or another append is
    under way. Bytes beyond the declared length are refused. What arrived before a dropped
    connection is kept, so the client resumes from there.
    """
    with file_path(upload).open("r+b") as partial:
        try:
            fcntl.flock(partial, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as busy:
            raise OffsetMismatch("Another request is appending to this upload.") from busy
        upload.refresh_from_db()
        if offset != upload.offset:
            raise OffsetMismatch(f"The upload stands at {upload.offset} bytes, not {offset}.")
        room = upload.length - upload.offset
        if sent is not None and sent > room:
            raise UploadRefused("More bytes than the upload's declared length.")
        partial.truncate(upload.offset)  # the bytes of an append that broke off were never counted
        partial.seek(upload.offset)
        received = 0
        try:
            while received < room:
                block = read(min(BLOCK_BYTES, room - received))
                if not block:
                    break
                view = memoryview(block)
                for start in range(0, len(view), WRITE_BYTES):
                    partial.write(view[start : start + WRITE_BYTES])
                received += len(block)
        except OSError:  # the client went away mid-chunk: keep what arrived
            log.info("Upload %s: the connection ended after %d bytes of this chunk", upload.pk, received)
        partial.flush()
        upload.offset += received
        upload.expires_at = timezone.now() + timedelta(seconds=settings.UPLOAD_EXPIRE_S)
        PartialUpload.objects.filter(pk=upload.pk).update(offset=upload.offset, expires_at=upload.expires_at)
    return upload


class Busy(Exception):
    """An append to the upload is still under way."""


@contextlib.contextmanager
def exclusive(upload: PartialUpload, wait_s: float = 30.0) -> Iterator[None]:
    """Hold the upload's file lock, waiting up to `wait_s` for an append under way to end (Busy after):
    what the upload holds cannot change meanwhile (an append that comes now is refused as another
    request's, OffsetMismatch)."""
    try:
        partial = file_path(upload).open("r+b")
    except FileNotFoundError:  # finished or discarded already: nothing can append to it
        yield
        return
    with partial:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(partial, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as busy:
                if time.monotonic() >= deadline:
                    raise Busy(f"Upload {upload.pk} is being appended to.") from busy
                time.sleep(0.1)
        yield


def busy(upload: PartialUpload) -> bool:
    """Whether an append to the upload is under way now (bytes are arriving, however slowly)."""
    try:
        with exclusive(upload, wait_s=0):
            return False
    except Busy:
        return True


def finished_file(upload: PartialUpload) -> PartialFile:
    return PartialFile(file_path(upload), upload.filename, upload.length)


def mark_finished(upload: PartialUpload, video) -> None:
    """The upload became `video` (its bytes moved into the storage): remembered until it expires."""
    file_path(upload).unlink(missing_ok=True)
    PartialUpload.objects.filter(pk=upload.pk).update(video=video)


def discard(upload: PartialUpload) -> None:
    """Forget the upload and remove its bytes (after it became a video, was cancelled or expired)."""
    file_path(upload).unlink(missing_ok=True)
    PartialUpload.objects.filter(pk=upload.pk).delete()


def remove_expired() -> int:
    """The maintenance job: remove uploads left unfinished past their expiry, and stray files."""
    expired = list(PartialUpload.objects.filter(expires_at__lt=timezone.now()))
    for upload in expired:
        discard(upload)
    directory = partial_dir()
    if directory.is_dir():
        known = {f"{pk}.part" for pk in PartialUpload.objects.values_list("pk", flat=True)}
        cutoff = timezone.now().timestamp() - settings.UPLOAD_EXPIRE_S
        for stray in directory.glob("*.part"):
            if stray.name not in known and os.stat(stray).st_mtime < cutoff:
                stray.unlink(missing_ok=True)
    return len(expired)
