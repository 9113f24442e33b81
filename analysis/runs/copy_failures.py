"""Why a copy job (a blurred copy, a playable preview) failed, in words a user can act on."""

from rq.timeouts import JobTimeoutException

from analysis.core.video_error import VideoError


def describe_copy_failure(error: BaseException, copy: str) -> str:
    """`copy`: what was being made, as a sentence's subject ("The blurred copy")."""
    if isinstance(error, VideoError):
        return str(error)
    if isinstance(error, FileNotFoundError):
        return "The video file is missing from storage."
    if isinstance(error, JobTimeoutException):
        return f"Making {copy[0].lower()}{copy[1:]} took longer than its time limit and was stopped."
    return f"{copy} failed: {type(error).__name__}: {error}"
