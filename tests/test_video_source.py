"""Probing and sampling real videos (analysis.core.video_source)."""

import numpy as np
import pytest

from analysis.core.video_source import (
    MIN_SHORT_SEGMENT_S,
    VideoError,
    VideoInfo,
    expected_samples,
    iter_sampled_frames,
    plan_segments,
    probe,
)

from .conftest import VIDEOS


def test_probe_describes_real_clip():
    info = probe(str(VIDEOS / "single_face.mp4"))
    assert (info.width, info.height, info.frame_count) == (640, 360, 72)
    assert info.fps == pytest.approx(30.0)
    assert info.duration_s == pytest.approx(2.4)


@pytest.mark.parametrize("sample_fps, expected", [(1.0, 3), (5.0, 12), (10.0, 24), (None, 72)])
def test_sampling_follows_requested_rate(sample_fps, expected):
    frames = list(iter_sampled_frames(str(VIDEOS / "single_face.mp4"), sample_fps))
    assert len(frames) == expected
    assert expected_samples(probe(str(VIDEOS / "single_face.mp4")), sample_fps) == expected
    times = [f.t for f in frames]
    assert times == sorted(times)
    assert frames[0].image.shape == (360, 640, 3)


def test_variable_frame_rate_timestamps_come_from_the_stream():
    path = str(VIDEOS / "face_noface.mov")
    info = probe(path)
    frames = list(iter_sampled_frames(path, None))
    assert len(frames) == 169
    times = np.array([f.t for f in frames])
    steps = np.diff(times)
    # Variable frame rate: the gaps differ, so index / nominal fps would be wrong.
    assert steps.max() > 1.5 * steps.min()
    nominal = np.array([f.index / info.fps for f in frames])
    assert np.abs(times - nominal).max() > 0.1
    assert times[-1] == pytest.approx(6.36, abs=0.05)


def test_sampling_is_even_in_time_on_variable_frame_rate():
    frames = list(iter_sampled_frames(str(VIDEOS / "face_noface.mov"), 2.0))
    gaps = np.diff([f.t for f in frames])
    assert len(frames) == pytest.approx(13, abs=1)
    assert gaps.min() > 0.4 and gaps.max() < 0.6


def test_not_a_video_is_refused(tmp_path):
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video\n" * 100)
    with pytest.raises(VideoError, match="no video stream"):
        probe(str(fake))


def test_empty_file_is_refused(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(VideoError):
        probe(str(empty))


def test_truncated_file_is_refused(tmp_path):
    data = (VIDEOS / "WolfgangLanger_Pexels.mp4").read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(VideoError):
        probe(str(truncated))


def test_image_is_not_a_video(tmp_path):
    with pytest.raises(VideoError):
        probe(str(VIDEOS.parent / "images" / "no-faces.jpg"))


@pytest.mark.parametrize(
    "name, sample_fps",
    [
        ("face_noface.mov", 5.0),
        ("face_noface.mov", None),
        ("street_1080p.mp4", 5.0),
        ("WolfgangLanger_Pexels.mp4", 5.0),
    ],
)
def test_segments_read_apart_sample_exactly_what_one_pass_samples(name, sample_fps):
    """Each worker seeks to its own segment; the stream's timestamps decide, even at a variable rate."""
    path = str(VIDEOS / name)
    one_pass = [f.t for f in iter_sampled_frames(path, sample_fps)]
    segments = plan_segments(probe(path), sample_fps, first_s=1.0, longest_s=2.0)
    assert len(segments) >= 3
    apart = [f.t for s in segments for f in iter_sampled_frames(path, sample_fps, s.start_s, s.end_s)]
    assert apart == one_pass


def test_segments_grow_then_shrink_and_cover_the_video():
    info = VideoInfo(duration_s=600.0, fps=25.0, width=1280, height=720, frame_count=15000)
    segments = plan_segments(info, 5.0)
    lengths = [(s.end_s or info.duration_s) - s.start_s for s in segments]
    assert lengths[:4] == pytest.approx([5, 10, 20, 30])  # first results within seconds
    assert max(lengths) == pytest.approx(30) and lengths[-1] < 10  # workers finish together
    assert segments[0].start_s == 0 and segments[-1].end_s is None
    assert all(a.end_s == b.start_s for a, b in zip(segments, segments[1:]))
    assert all(abs(s.start_s * 5 - round(s.start_s * 5)) < 1e-6 for s in segments)  # on the sampling grid


@pytest.mark.parametrize("duration_s, parts", [(2.4, 1), (3.9, 1), (4.0, 2), (6.4, 3), (9.2, 4), (19.7, 4)])
def test_a_short_video_is_cut_into_up_to_4_equal_parts_of_2_s_or_more(duration_s, parts):
    """A short video's progress moves before its end (a 9 s clip reports 4 times), without parts so
    short that their fixed cost (a seek, a full detection) outweighs them."""
    info = VideoInfo(duration_s=duration_s, fps=30.0, width=640, height=360, frame_count=int(duration_s * 30))
    segments = plan_segments(info, 5.0)
    lengths = [(s.end_s or duration_s) - s.start_s for s in segments]
    assert len(segments) == parts
    assert min(lengths) >= MIN_SHORT_SEGMENT_S - 0.2  # (boundaries move onto the 5 fps grid)
    assert max(lengths) - min(lengths) <= 0.4


def test_a_truncated_segment_says_so(tmp_path):
    data = (VIDEOS / "WolfgangLanger_Pexels.mp4").read_bytes()
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(VideoError, match="truncated"):
        list(iter_sampled_frames(str(truncated), 5.0, 5.0, None))


def test_past_the_decoding_budget_the_end_is_read_and_a_cut_still_found(tmp_path, monkeypatch):
    from analysis.core import container_check

    from .video_factory import cut, encode, real_frames

    # One keyframe for 9.6 s (as a screen recording may have): only 10 frames are decoded, the rest read.
    monkeypatch.setattr(container_check, "TAIL_DECODE_PIXELS", 10 * 640 * 360)
    whole = encode(
        tmp_path / "one-keyframe.mp4",
        real_frames(seconds=2.4) * 4,
        options={"x264-params": "keyint=1000:min-keyint=1000:scenecut=0"},
        container_options={"movflags": "faststart"},
    )
    assert container_check.check_container(str(whole)) == pytest.approx(9.6)
    with pytest.raises(VideoError, match=r"stops at [0-9.]+ s of the 9.6 s its container declares"):
        container_check.check_container(str(cut(whole, tmp_path / "cut.mp4", 0.9)))


def test_only_the_upload_formats_demuxers_are_used(tmp_path):
    # A playlist beside a real clip plays it; named .mp4 it must still not pass for a video.
    (tmp_path / "clip.mp4").write_bytes((VIDEOS / "single_face.mp4").read_bytes())
    playlist = tmp_path / "playlist.mp4"
    playlist.write_text("ffconcat version 1.0\nfile 'clip.mp4'\n")
    with pytest.raises(VideoError, match=r"not an mp4, mov, webm, mkv or avi file \(its format: concat\)"):
        probe(str(playlist))
