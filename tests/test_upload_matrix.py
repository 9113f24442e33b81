"""Bad and extreme inputs through the upload page: each is refused with a clear message and leaves
nothing behind, or is accepted and analysed (real files made from the real clips, a real worker)."""

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from django.urls import reverse

from analysis.models import AnalysisRun
from videos.models import Video

from . import video_factory as make
from .conftest import VIDEOS
from .factories import post_upload, queue, stored_files, work

pytestmark = pytest.mark.django_db

NOT_READABLE = "This is not a video we can read: "
TRUNCATED = NOT_READABLE + "The end of the video cannot be decoded: the file looks truncated or damaged."


def index_first(folder: Path) -> Path:
    return make.remux_index_first(VIDEOS / "WolfgangLanger_Pexels.mp4", folder / "index-first.mp4")


def index_last(folder: Path) -> Path:
    """The index (moov) after the data, as cameras that write as they record do."""
    with_index_last = folder / "index-last.mp4"
    make.encode(with_index_last, make.real_frames(seconds=2.0))
    return with_index_last


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def text_as_mp4(folder: Path) -> Path:
    return write(folder / "notes.mp4", "These are my notes, not a video.\n" * 200)


def empty_file(folder: Path) -> Path:
    path = folder / "empty.mp4"
    path.write_bytes(b"")
    return path


def picture_as_mp4(folder: Path) -> Path:
    path = folder / "photo.mp4"
    path.write_bytes((VIDEOS.parent / "images" / "no-faces.jpg").read_bytes())
    return path


def h264_mkv(folder: Path) -> Path:
    return make.encode(folder / "clip.mkv", make.real_frames())


# name -> (how the file is made, the message the page shows)
REFUSED: dict[str, tuple[Callable[[Path], Path], str]] = {
    **{
        f"index-first mp4 cut at {percent}%": (
            lambda d, percent=percent: make.cut(index_first(d), d / f"cut{percent}.mp4", percent / 100),
            TRUNCATED,
        )
        for percent in (50, 90, 99)
    },
    "mp4 with its last 10% overwritten": (
        lambda d: make.overwrite_tail(index_first(d), d / "damaged.mp4", 0.1),
        TRUNCATED,
    ),
    "index-last mp4 cut at 50% (no index)": (
        lambda d: make.cut(index_last(d), d / "no-index.mp4", 0.5),
        NOT_READABLE + "This file has no video stream that can be decoded.",
    ),
    "text file named .mp4": (text_as_mp4, NOT_READABLE + "This file has no video stream that can be decoded."),
    "empty file": (empty_file, "The submitted file is empty."),
    "jpeg named .mp4": (picture_as_mp4, NOT_READABLE + "This file holds a single picture, not a video."),
    "one-frame video": (
        lambda d: make.encode(d / "one-frame.mp4", make.real_frames()[:1]),
        NOT_READABLE + "This file holds a single picture, not a video.",
    ),
    "zero duration (a track with no frame)": (
        lambda d: make.empty_video(d / "zero.mkv"),
        NOT_READABLE + "The file ends before its first video frame.",
    ),
    "audio only": (lambda d: make.audio_only(d / "voice.mp4"), NOT_READABLE + "This file holds only audio."),
    "unknown codec in a good mkv": (
        lambda d: make.unknown_codec(h264_mkv(d), d / "unknown.mkv"),
        NOT_READABLE + "Its video codec is not one we can decode.",
    ),
    "frames larger than 8K": (
        lambda d: make.encode(
            d / "16k.mkv", make.resized(make.real_frames()[:2], 8192, 4608), codec="mjpeg", pix_fmt="yuvj420p"
        ),
        NOT_READABLE + "Its frames are 8192×4608; the largest we analyse are 8K (7680×4320).",
    ),
    "a playlist (ffconcat) named .mp4": (
        # Spooled to the upload folder, it names no file there; test_video_source checks one that does.
        lambda d: write(d / "playlist.mp4", "ffconcat version 1.0\nfile 'clip.mp4'\n"),
        NOT_READABLE + "This file has no video stream that can be decoded.",
    ),
    "unsupported extension": (
        lambda d: make.encode(d / "clip.flv", make.real_frames(), codec="flv"),
        "Unsupported file type “.flv”. Upload one of: mp4, mov, webm, mkv, avi.",
    ),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_refused_input_gets_a_clear_message_and_leaves_nothing(
    name, alice, settings, tmp_path, isolated_storage_and_queue
):
    build, message = REFUSED[name]
    source = tmp_path / "made"
    source.mkdir()
    upload_dir = tmp_path / "upload-tmp"
    upload_dir.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(upload_dir)
    response = post_upload(alice, build(source))
    assert response.status_code == 200
    errors = [str(error) for error in response.context["form"].errors.get("file", [])]
    assert errors == [message]
    assert message in response.content.decode()
    assert Video.objects.count() == 0 and AnalysisRun.objects.count() == 0
    assert stored_files(isolated_storage_and_queue) == []
    assert list(upload_dir.iterdir()) == []  # the spooled upload is gone too
    assert queue().count == 0


# name -> (how the file is made, the persons its analysis finds)
ACCEPTED: dict[str, tuple[Callable[[Path], Path], int]] = {
    "index-first mp4, whole": (index_first, 1),
    "index-last mp4, whole": (index_last, 1),
    "8K frames (7680×4320)": (
        lambda d: make.encode(
            d / "8k.mp4",
            make.resized(make.real_frames(seconds=1.0)[::6], 7680, 4320),
            fps=5,
            options={"preset": "ultrafast"},
        ),
        1,
    ),
    "odd dimensions (641×361)": (
        lambda d: make.encode(d / "odd.mkv", make.resized(make.real_frames(), 641, 361), pix_fmt="yuv444p"),
        1,
    ),
    "10-bit HEVC": (
        lambda d: make.encode(
            d / "hevc10.mp4",
            make.real_frames(),
            codec="libx265",
            pix_fmt="yuv420p10le",
            options={"x265-params": "log-level=error"},
        ),
        1,
    ),
    "variable frame rate (mkv, uneven gaps)": (
        lambda d: make.encode(
            d / "vfr.mkv",
            frames := make.real_frames(seconds=2.0),
            times_s=list(np.cumsum([0.0] + [0.02 if i % 3 else 0.07 for i in range(len(frames) - 1)])),
        ),
        1,
    ),
    "variable frame rate HEVC from a phone (mov)": (lambda d: VIDEOS / "face_noface.mov", 1),
    "one frame a second (frames 1 s apart)": (
        lambda d: make.encode(d / "1fps.mp4", make.real_frames("WolfgangLanger_Pexels.mp4", 10.0)[::24], fps=1),
        1,
    ),
    "webm that declares no length (as a browser's MediaRecorder writes it)": (
        lambda d: make.encode(
            d / "recorded.webm", make.real_frames(seconds=2.4), codec="libvpx", container_options={"live": "1"}
        ),
        1,
    ),
    "sound longer than the picture (mkv)": (
        lambda d: make.with_longer_sound(d / "longer-sound.mkv", make.real_frames(seconds=2.0), sound_s=4.0),
        1,
    ),
    "title tag in Latin-1, not UTF-8": (
        lambda d: make.with_latin1_title(VIDEOS / "single_face.mp4", d / "latin1.mp4"),
        1,
    ),
    "two frames": (lambda d: make.encode(d / "two-frames.mp4", make.real_frames()[:2]), 0),
    "VP9 webm": (lambda d: make.encode(d / "clip.webm", make.real_frames(), codec="libvpx-vp9"), 1),
    "MPEG-4 part 2 avi": (lambda d: make.encode(d / "clip.avi", make.real_frames(), codec="mpeg4"), 1),
    "ProRes 10-bit mov": (
        lambda d: make.encode(d / "clip.mov", make.real_frames(), codec="prores", pix_fmt="yuv422p10le"),
        1,
    ),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("ray_session")
@pytest.mark.parametrize("name", list(ACCEPTED))
def test_accepted_input_is_stored_and_analysed(name, alice, tmp_path, isolated_storage_and_queue):
    build, persons = ACCEPTED[name]
    response = post_upload(alice, build(tmp_path), sampling="5")
    assert response.status_code == 302, response.context["form"].errors
    video = Video.objects.get()
    assert len(stored_files(isolated_storage_and_queue)) == 1
    work()
    run = video.runs.get()
    assert run.status == AnalysisRun.Status.SUCCEEDED, run.error
    assert run.persons_count == persons
    assert run.frames_done >= 1
    page = alice.get(reverse("analysis:results", args=[video.pk]))
    assert page.status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("ray_session")
def test_a_phone_video_with_rotation_metadata_is_analysed_upright(alice, tmp_path):
    import cv2
    import face_recognition

    # Frames stored a quarter turn left, with a display matrix that turns them back.
    rotated = make.rotated_for_display(VIDEOS / "single_face.mp4", tmp_path / "phone.mp4")
    response = post_upload(alice, rotated)
    assert response.status_code == 302
    video = Video.objects.get()
    assert (video.width, video.height) == (640, 360)  # as displayed, not as stored (360×640)
    work()
    run = video.runs.get()
    assert run.status == AnalysisRun.Status.SUCCEEDED, run.error
    # Faces are found (HOG finds upright faces only) ...
    assert run.persons_count == 1 and run.frames_done == 12
    person = run.persons.get()
    assert person.samples.count() == 12
    # ... and the thumbnail is upright: its eyes are above its mouth.
    thumbnail = cv2.imdecode(np.frombuffer(bytes(person.thumbnail_jpeg), np.uint8), cv2.IMREAD_COLOR)
    [landmarks] = face_recognition.face_landmarks(thumbnail[:, :, ::-1].copy())
    eyes_y = np.mean([y for _, y in landmarks["left_eye"] + landmarks["right_eye"]])
    mouth_y = np.mean([y for _, y in landmarks["top_lip"] + landmarks["bottom_lip"]])
    assert eyes_y < mouth_y
