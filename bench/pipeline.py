"""The pipeline bench: whole `manage.py analyze_video` commands on derived real clips, in one run.

    make bench                                   # = nice -n 10 .venv/bin/python -m bench.pipeline
    .venv/bin/python -m bench.pipeline --quick   # without the 30-minute memory case
    .venv/bin/python -m bench.pipeline --only speed,fer --json bench/out/pipeline.json

Every figure times a whole command in a child process (interpreter start-up, imports, Ray start and
model loading included), so it measures whatever the pipeline code is when the bench runs. See
bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from bench import clips, dlib_openblas, face_encoding, fer_reference
from bench.common import (
    LOG_DIR,
    OUT_DIR,
    PROJECT_ROOT,
    PYTHON,
    BenchError,
    bench_env,
    machine_header,
    manage_py,
    probe_video,
)
from bench.rss import Measured, MiB, measure

SECTIONS = ("speed", "faces", "fer", "startup", "memory", "encoding")
RESULTS_DIR = OUT_DIR / "results"  # the --json documents of the measured commands


# --------------------------------------------------------------------------- running commands


def run(name: str, command: list[str]) -> Measured:
    """One measured command; its output is kept in bench/out/logs/NAME.log."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    print(f"  running {name} ...", flush=True)
    result = measure(command, cwd=PROJECT_ROOT, env=bench_env(), log=LOG_DIR / f"{name}.log")
    if result.returncode:
        print(f"  ! {name} failed with exit {result.returncode}: see {result.log}", flush=True)
    return result


def analyze(name: str, clip: Path, *options: str, json_out: bool = False) -> tuple[Measured, dict | None]:
    """`manage.py analyze_video CLIP OPTIONS`; with json_out, also the command's --json document."""
    out = RESULTS_DIR / f"{name}.json"
    extra = ["--json", str(out)] if json_out else []
    if json_out:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        out.unlink(missing_ok=True)
    result = run(name, manage_py("analyze_video", str(clip), *options, *extra))
    document = json.loads(out.read_text()) if json_out and result.returncode == 0 and out.exists() else None
    return result, document


def face_samples(document: dict | None) -> int | None:
    return None if document is None else sum(len(person["samples"]) for person in document["persons"])


def reported_analysis_s(result: Measured) -> float | None:
    """The analysis time the command prints ("... analysed in 12.3 s"), if it still prints one."""
    found = re.search(r"analysed in ([\d.]+) s", result.log.read_text(errors="replace")) if result.log else None
    return float(found.group(1)) if found else None


def rtf(video_s: float, result: Measured) -> str:
    return f"{video_s / result.wall_s:6.2f}x" if result.returncode == 0 else "  failed"


def mib(n: int) -> str:
    return f"{n / MiB:5.0f} MiB"


# --------------------------------------------------------------------------- the sections


def speed(args: argparse.Namespace) -> dict:
    """(a) 10 minutes of 720p at --sample-fps: one process against Ray with --workers actors."""
    clip = clips.long_clip(10)
    video_s = probe_video(clip)["duration_s"]
    rate = ["--sample-fps", str(args.sample_fps)]
    local = run("speed_10min_one_process", manage_py("analyze_video", str(clip), *rate, "--no-ray"))
    ray = run("speed_10min_ray", manage_py("analyze_video", str(clip), *rate, "--ray", "--workers", str(args.workers)))
    print(f"\n(a) {clip.name}: {video_s:.0f} s of 1280x720 at {args.sample_fps:g} fps, whole command")
    print(f"    {'':22} {'wall':>9} {'realtime':>9}")
    print(f"    {'one process (--no-ray)':22} {local.wall_s:8.1f}s {rtf(video_s, local)}")
    print(f"    {f'Ray, {args.workers} workers':22} {ray.wall_s:8.1f}s {rtf(video_s, ray)}")
    print(f"    Ray / one process speed: {local.wall_s / ray.wall_s:.2f}x")
    return {"video_s": video_s, "one_process": local, "ray": ray}


def many_faces(args: argparse.Namespace) -> dict:
    """(b) the many-faces clip at --sample-fps: ms per face sample, both modes."""
    clip = clips.many_faces_clip()
    video_s = probe_video(clip)["duration_s"]
    rate = ["--sample-fps", str(args.sample_fps)]
    modes = {
        "one process (--no-ray)": analyze("many_faces_one_process", clip, *rate, "--no-ray", json_out=True),
        f"Ray, {args.workers} workers": analyze(
            "many_faces_ray", clip, *rate, "--ray", "--workers", str(args.workers), json_out=True
        ),
    }
    print(f"\n(b) {clip.name}: {video_s:.0f} s of 1280x720 with 10-12 faces, at {args.sample_fps:g} fps")
    print(f"    {'':22} {'samples':>8} {'wall':>8} {'realtime':>9} {'ms/sample':>10} {'ms/sample in analysis':>22}")
    figures = {}
    for label, (result, document) in modes.items():
        samples = face_samples(document)
        analysis_s = reported_analysis_s(result)
        per_sample = f"{result.wall_s * 1000 / samples:10.1f}" if samples else f"{'-':>10}"
        in_analysis = f"{analysis_s * 1000 / samples:22.1f}" if samples and analysis_s else f"{'not reported':>22}"
        print(
            f"    {label:22} {samples or '-':>8} {result.wall_s:7.1f}s {rtf(video_s, result)}",
            per_sample,
            in_analysis,
        )
        figures[label] = {"measured": result, "samples": samples, "analysis_s": analysis_s}
    return {"video_s": video_s, "modes": figures}


def against_fer(args: argparse.Namespace) -> dict:
    """(c) every frame of street_1080p x4: our default command against fer's video loop."""
    clip = clips.street_x4_clip()
    info = probe_video(clip)
    fer_reference.install()
    fer = run("street_x4_fer", fer_reference.command(clip))
    ours, document = analyze("street_x4_ours", clip, "--every-frame", json_out=True)
    found = re.search(r"(\d+) frames, (\d+) faces", fer.log.read_text(errors="replace"))
    fer_faces = int(found.group(2)) if found else None
    print(f"\n(c) {clip.name}: {info['frames']} frames of 1920x1080, {info['duration_s']:.1f} s, every frame")
    print(f"    {'':34} {'wall':>8} {'realtime':>9} {'faces':>6}")
    ours_faces = face_samples(document)
    for label, result, faces in (
        ("ours: analyze_video --every-frame", ours, ours_faces),
        (f"fer {fer_reference.FER_VERSION} (FER(), Haar cascade)", fer, fer_faces),
    ):
        print(f"    {label:34} {result.wall_s:7.1f}s {rtf(info['duration_s'], result)} {faces or '-':>6}")
    print(f"    fer / ours wall time: {fer.wall_s / ours.wall_s:.2f} (above 1: ours is faster)")
    return {"video_s": info["duration_s"], "ours": ours, "fer": fer, "ours_faces": ours_faces, "fer_faces": fer_faces}


def job_start(args: argparse.Namespace) -> dict | None:
    """(d) job start, cold and warm, and Ray's speed-up with start-up excluded: bench/warm_ray.py, which
    lives as the rq worker does (one process, Ray connected once, the actor pool shared by jobs)."""
    out = RESULTS_DIR / "warm_ray.json"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    command = [PYTHON, "-m", "bench.warm_ray", str(clips.long_clip(10))]  # run() runs it in PROJECT_ROOT
    result = run(
        "warm_ray", [*command, "--workers", str(args.workers), "--sample-fps", str(args.sample_fps), "--json", str(out)]
    )
    if result.returncode or not out.exists():
        print("\n(d) job start, cold and warm: failed (see the log)")
        return None
    figures = json.loads(out.read_text())
    warm = figures["warm_start_s"]
    print("\n(d) job start (queued job to its first segment analysed), in one long-lived process")
    print(f"    cold (Ray started, actors loading)   {figures['cold_start_s']:6.2f} s")
    print(f"    warm (Ray connected, pool up)        {min(warm):6.2f}-{max(warm):.2f} s")
    print(
        f"    long720_10min.mp4, start-up excluded: Ray ({args.workers} actors) {figures['ray_analysis_s']:.1f} s, "
        f"one process {figures['one_process_analysis_s']:.1f} s: {figures['ray_speedup']:.2f}x"
    )
    print("    each actor's RSS after it: " + ", ".join(f"{mib:.0f} MiB" for mib in figures["actor_rss_mib"]))
    return figures


def memory(args: argparse.Namespace, from_speed: dict | None) -> dict:
    """(e) peak RSS by video length at --sample-fps: the one process, and Ray's driver and each actor."""
    minutes = [m for m in clips.LONG_MINUTES if not (args.quick and m == 30)]
    rate = ["--sample-fps", str(args.sample_fps)]
    rows = {}
    for m in minutes:
        clip = clips.long_clip(m)
        video_s = probe_video(clip)["duration_s"]
        if m == 10 and from_speed:  # the runs of (a) were sampled too: not run twice
            rows[m] = (video_s, from_speed["one_process"], from_speed["ray"])
            continue
        rows[m] = (
            video_s,
            run(f"memory_{m}min_one_process", manage_py("analyze_video", str(clip), *rate, "--no-ray")),
            run(
                f"memory_{m}min_ray",
                manage_py("analyze_video", str(clip), *rate, "--ray", "--workers", str(args.workers)),
            ),
        )
    quick = " (--quick: no 30-minute case)" if args.quick else ""
    print(f"\n(e) peak RSS, 1280x720 at {args.sample_fps:g} fps{quick}; realtime factors of the same runs")
    columns = f"{'video':>6} {'one process':>12} {'Ray driver':>11}  {'each Ray actor':<22} {'Ray services etc.':>17}"
    print(f"    {columns}  {'realtime: one process':>21} {'Ray':>7}")
    for m, (video_s, local, ray) in rows.items():
        actors = ", ".join(f"{p.peak_rss / MiB:.0f}" for p in ray.actors()) + " MiB" if ray.actors() else "-"
        one, driver, others = mib(local.driver_rss), mib(ray.driver_rss), mib(ray.other_rss())
        print(f"    {m:>4}min {one:>12} {driver:>11}  {actors:<22} {others:>17}", end="")
        print(f"  {rtf(video_s, local):>21} {rtf(video_s, ray):>7}")
    return {f"{m}min": {"video_s": s, "one_process": local, "ray": ray} for m, (s, local, ray) in rows.items()}


def encoding() -> dict:
    """(f) one face encoding, one thread: the venv's dlib and the OpenBLAS build."""
    results = face_encoding.compare()
    print("\n(f) face encoding (face_recognition.face_encodings, one face, one thread)")
    for name, result in results.items():
        print(f"    {name:9} " + (face_encoding.describe(result) if result else dlib_openblas.status()))
    venv, openblas = results["venv"], results["openblas"]
    if venv and openblas:
        print(f"    OpenBLAS build / venv speed: {venv['median_ms'] / openblas['median_ms']:.2f}x")
    return results


# --------------------------------------------------------------------------- the run


def _plain(value):
    """JSON-ready figures: a measured command becomes its wall time, exit code and peaks."""
    if isinstance(value, Measured):
        return {
            "command": value.command,
            "returncode": value.returncode,
            "wall_s": round(value.wall_s, 3),
            "driver_peak_rss_mib": round(value.driver_rss / MiB, 1),
            "actor_peak_rss_mib": [round(p.peak_rss / MiB, 1) for p in value.actors()],
            "other_peak_rss_mib": round(value.other_rss() / MiB, 1),
        }
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def main() -> int:
    parser = argparse.ArgumentParser(description="Pipeline bench: whole analyze_video commands on derived real clips.")
    parser.add_argument("--quick", action="store_true", help="skip the 30-minute memory case (it takes long)")
    parser.add_argument("--workers", type=int, default=2, help="Ray actors for the Ray runs (default 2)")
    parser.add_argument("--sample-fps", type=float, default=5.0, help="frames analysed per second (default 5)")
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections to run (default all: {','.join(SECTIONS)})",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write every figure as JSON")
    args = parser.parse_args()
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    if unknown := set(chosen) - set(SECTIONS):
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")

    figures: dict = {"machine": machine_header("bench/pipeline.py")}
    try:
        print("clips:", ", ".join(p.name for p in clips.all_clips(args.quick).values()))
        if "speed" in chosen:
            figures["speed"] = speed(args)
        if "faces" in chosen:
            figures["many_faces"] = many_faces(args)
        if "fer" in chosen:
            figures["against_fer"] = against_fer(args)
        if "startup" in chosen:
            figures["job_start"] = job_start(args)
        if "memory" in chosen:
            figures["memory"] = memory(args, figures.get("speed"))
        if "encoding" in chosen:
            figures["face_encoding"] = encoding()
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.json:
        args.json.write_text(json.dumps(_plain(figures), indent=2))
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
