"""Derived clips for the bench, made once with ffmpeg into bench/out/clips/ and reused.

    .venv/bin/python -m bench.clips            # make every clip (30 minutes of 720p included)
    .venv/bin/python -m bench.clips --quick    # all but the 30-minute clip

Every clip is built from the real footage in the test data folder; nothing is synthetic.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from bench.common import DATA_DIR, OUT_DIR, BenchError, data_file, probe_video, require_ffmpeg

CLIP_DIR = OUT_DIR / "clips"
LONG_SOURCE = "videos/WolfgangLanger_Pexels.mp4"  # one face, 640x360, 19.7 s: crying, then laughing
LONG_MINUTES = (1, 10, 30)
MANY_FACES_SECONDS = 60
CROWD_SECONDS = 20
STREET_SOURCE = "videos/street_1080p.mp4"
STREET_LOOPS = 4
# Fast, ordinary h264: the bench measures decoding such files, not the encoder.
H264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-an"]


def _ffmpeg(out: Path, args: list[str]) -> Path:
    """Runs ffmpeg into a temporary name and renames it, so an interrupted run leaves no half clip behind."""
    if out.exists():
        return out
    require_ffmpeg()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.stem + ".partial" + out.suffix)
    print(f"making {out.relative_to(OUT_DIR.parent.parent)} ...", flush=True)
    done = subprocess.run(["ffmpeg", "-nostdin", "-y", "-loglevel", "error", *args, str(partial)])
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BenchError(f"ffmpeg failed making {out.name} (exit {done.returncode})")
    partial.rename(out)
    return out


def long_clip(minutes: int) -> Path:
    """A 1280x720 clip of `minutes` minutes: the real one-face clip looped and upscaled.

    One minute is encoded; longer clips repeat that minute by stream copy (no re-encoding), so the
    30-minute clip costs seconds to make and every length has the same content per minute.
    """
    one_minute = _ffmpeg(
        CLIP_DIR / "long720_1min.mp4",
        ["-stream_loop", "-1", "-i", str(data_file(LONG_SOURCE)), "-t", "60", "-vf", "scale=1280:720", *H264],
    )
    if minutes == 1:
        return one_minute
    return _ffmpeg(
        CLIP_DIR / f"long720_{minutes}min.mp4",
        ["-stream_loop", str(minutes - 1), "-i", str(one_minute), "-c", "copy"],
    )


def many_faces_clip() -> Path:
    """60 s of 720p at 25 fps with 10 or more faces, slowly panning so no two frames are the same.

    Layout (a 16:9 canvas): multi_face.jpg beside its mirror image on top (5 + 5 faces), two_people.jpg
    centred below (2 faces). The canvas is rendered 10% larger than 720p and a 1280x720 window drifts over
    it, so faces move by a few pixels a frame, as in real footage, while all stay in view.
    """
    multi, two = data_file("images/multi_face.jpg"), data_file("images/two_people.jpg")
    graph = (
        "[0:v]split[a][b];[b]hflip[bm];[a][bm]hstack[top];"  # 2000x667
        "[1:v]scale=-2:458,pad=2000:458:(ow-iw)/2:0[bottom];"  # 2000x458: 16:9 in all
        "[top][bottom]vstack,scale=1408:792,"
        "crop=1280:720:x='64+64*sin(2*PI*t/20)':y='36+36*sin(2*PI*t/13)',fps=25,format=yuv420p"
    )
    loop_still = ["-loop", "1", "-framerate", "25", "-t", str(MANY_FACES_SECONDS), "-i"]
    return _ffmpeg(
        CLIP_DIR / f"many_faces_720p_{MANY_FACES_SECONDS}s.mp4",
        [*loop_still, str(multi), *loop_still, str(two), "-filter_complex", graph, *H264],
    )


def crowd_clip() -> Path:
    """20 s of 720p at 25 fps with 30 faces: multi_face.jpg (5 faces) six times, in a 3x2 grid of alternately
    mirrored copies, drifting as the many-faces clip does (faces ~40 px tall)."""
    graph = (
        "[0:v]scale=1000:-2,format=yuv420p,split=3[a][b][c];[b]hflip[bm];[a][bm][c]hstack=inputs=3[row1];"
        "[1:v]scale=1000:-2,format=yuv420p,split=3[d][e][f];[d]hflip[dm];[f]hflip[fm];[dm][e][fm]hstack=inputs=3[row2];"
        "[row1][row2]vstack,scale=1408:792:force_original_aspect_ratio=decrease,pad=1408:792:(ow-iw)/2:(oh-ih)/2,"
        "crop=1280:720:x='64+64*sin(2*PI*t/20)':y='36+36*sin(2*PI*t/13)',fps=25,format=yuv420p"
    )
    multi = str(data_file("images/multi_face.jpg"))
    loop_still = ["-loop", "1", "-framerate", "25", "-t", str(CROWD_SECONDS), "-i"]
    return _ffmpeg(
        CLIP_DIR / f"crowd30_720p_{CROWD_SECONDS}s.mp4",
        [*loop_still, multi, *loop_still, multi, "-filter_complex", graph, *H264],
    )


def room4_clip() -> Path:
    """The four-person room mosaic (room_clip.py, 1280x720 VP8, 19.7 s): four faces."""
    from bench.room_clip import room_mosaic

    path = CLIP_DIR / "room4_720p.webm"
    if not path.exists():
        CLIP_DIR.mkdir(parents=True, exist_ok=True)
        room_mosaic(DATA_DIR / "videos", path)
    return path


def street_x4_clip() -> Path:
    """street_1080p.mp4 (1920x1080, 25 fps, 4.2 s) played 4 times in a row, by stream copy."""
    return _ffmpeg(
        CLIP_DIR / f"street_1080p_x{STREET_LOOPS}.mp4",
        ["-stream_loop", str(STREET_LOOPS - 1), "-i", str(data_file(STREET_SOURCE)), "-c", "copy"],
    )


def all_clips(quick: bool = False) -> dict[str, Path]:
    clips = {f"long {m} min": long_clip(m) for m in LONG_MINUTES if not (quick and m == 30)}
    clips["many faces"] = many_faces_clip()
    clips["street x4"] = street_x4_clip()
    return clips


def main() -> int:
    parser = argparse.ArgumentParser(description="Make (once) and describe the bench's derived clips.")
    parser.add_argument("--quick", action="store_true", help="skip the 30-minute clip")
    args = parser.parse_args()
    try:
        for name, path in all_clips(args.quick).items():
            info = probe_video(path)
            print(
                f"{name:12} {path.name:28} {info['width']}x{info['height']} {info['fps']:.2f} fps, "
                f"{info['frames']} frames, {info['duration_s']:.1f} s"
            )
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
