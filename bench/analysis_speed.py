"""Analysis speed and memory: the Ray pipeline against a plain one-process loop.

For a real clip and a long video built from it (the clip looped and resized to
1280x720), this runs the real pipeline `analyze_video(...)` twice over the same
frames: once with `RayExecutor` (N actors) and once with `LocalExecutor`. It
prints analysed frames per second, the realtime factor, peak memory of the
driver and of the Ray worker processes, and the Ray/local ratios.

Each measurement runs in a fresh child process, so one run's models, caches and
freed-but-kept heap do not inflate the next run's memory figures. Start-up
(importing, `ray.init`, loading the models, one warm-up frame) is timed
separately and left out of the throughput figures.

Django-free: needs only the analysis core, Ray, OpenCV and psutil.

    python bench/analysis_speed.py --minutes 1
    python bench/analysis_speed.py --skip-long --workers 2 --json bench/out/speed.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

import cv2  # noqa: E402
import psutil  # noqa: E402

from analysis.core.video_source import VideoInfo, iter_sampled_frames, probe  # noqa: E402

DATA_DIR = Path(os.environ.get("EMOTION_TEST_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
OUT_DIR = PROJECT_ROOT / "bench" / "out"
LONG_SIZE = (1280, 720)
SAMPLE_PERIOD_S = 0.2
MiB = 1024 * 1024


# --------------------------------------------------------------------------- memory sampling


class MemorySampler:
    """Samples the memory of this process and of its descendants every `period` seconds.

    Descendants whose process title starts with ``ray::`` are Ray worker processes
    (``ray::AnalyzerActor`` for the actors, ``ray::IDLE`` for workers Ray keeps
    started for later tasks); the others (gcs_server, raylet with the object store,
    agents) are Ray's system processes. RSS counts shared pages in every process
    that maps them (the object store, libraries); PSS splits them, so sums of PSS
    do not double count.
    """

    def __init__(self, period: float = SAMPLE_PERIOD_S):
        self.period = period
        self.me = psutil.Process()
        self._procs: dict[int, psutil.Process] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)
        self._reset_phase(time.monotonic())

    def _reset_phase(self, now: float) -> None:
        self.phase_started = now
        self.peaks: dict[str, int] = {}
        self.max_workers = self.max_actors = 0
        self.series: list[tuple[float, int]] = []  # (seconds into phase, driver RSS)

    def start(self) -> MemorySampler:
        self.sample()
        self._thread.start()
        return self

    def _proc(self, pid: int) -> psutil.Process:
        # Keep Process objects so that cmdline is read once per process.
        if pid not in self._procs:
            self._procs[pid] = psutil.Process(pid)
        return self._procs[pid]

    def sample(self) -> None:
        totals = dict.fromkeys(
            (
                "driver_rss",
                "driver_pss",
                "workers_rss",
                "workers_pss",
                "actors_rss",
                "actors_pss",
                "ray_system_rss",
                "ray_system_pss",
            ),
            0,
        )
        workers = actors = 0
        try:
            mem = self.me.memory_full_info()
            totals["driver_rss"], totals["driver_pss"] = mem.rss, mem.pss
            children = self.me.children(recursive=True)
        except psutil.Error:
            return
        for child in children:
            try:
                proc = self._proc(child.pid)
                title = " ".join(proc.cmdline())
                mem = proc.memory_full_info()
            except psutil.Error:
                continue  # exited meanwhile
            group = "workers" if title.startswith("ray::") else "ray_system"
            workers += group == "workers"
            totals[f"{group}_rss"] += mem.rss
            totals[f"{group}_pss"] += mem.pss
            if title.startswith("ray::AnalyzerActor"):
                actors += 1
                totals["actors_rss"] += mem.rss
                totals["actors_pss"] += mem.pss
        totals["total_rss"] = totals["driver_rss"] + totals["workers_rss"] + totals["ray_system_rss"]
        totals["total_pss"] = totals["driver_pss"] + totals["workers_pss"] + totals["ray_system_pss"]
        now = time.monotonic()
        with self._lock:
            for key, value in totals.items():
                self.peaks[key] = max(self.peaks.get(key, 0), value)
            self.max_workers = max(self.max_workers, workers)
            self.max_actors = max(self.max_actors, actors)
            self.series.append((now - self.phase_started, totals["driver_rss"]))

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            self.sample()

    def phase(self) -> dict:
        """End the current phase: its peaks (bytes) and driver-RSS series; start a new one."""
        self.sample()
        with self._lock:
            result = {
                "peaks": self.peaks,
                "max_worker_processes": self.max_workers,
                "max_actor_processes": self.max_actors,
                "series": self.series,
            }
            self._reset_phase(time.monotonic())
        return result

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


# --------------------------------------------------------------------------- one measurement (child process)


class CountingSink:
    """A ResultSink that keeps nothing: counts faces, chunks and persons."""

    def __init__(self) -> None:
        self.faces = self.chunks = self.persons = 0

    def add(self, faces) -> None:
        self.faces += len(faces)

    def progress(self, done: int, total: int, elapsed_s: float) -> None:
        self.chunks += 1

    def finish(self, persons) -> None:
        self.persons = len(persons)


def _first_frame(path: str, sample_fps: float):
    return next(iter_sampled_frames(path, sample_fps))


def measure(mode: str, video: str, sample_fps: float, workers: int) -> dict:
    """Start-up, then one timed `analyze_video` run; memory sampled throughout."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from analysis.core.executors import LocalExecutor
    from analysis.core.frame_analyzer import AnalyzerConfig
    from analysis.core.pipeline import analyze_video

    sampler = MemorySampler().start()
    info = probe(video)
    warm_frame = _first_frame(video, sample_fps)
    config = AnalyzerConfig()
    startup: dict[str, float] = {}
    started = time.monotonic()
    executor = None
    try:
        if mode == "ray":
            import ray

            from analysis.ray_executor import RayExecutor, ensure_ray

            ensure_ray(None)
            startup["ray_init_s"] = time.monotonic() - started
            cpus = int(ray.cluster_resources().get("CPU", 0))
            if workers > cpus:
                raise SystemExit(f"--workers {workers} exceeds Ray's {cpus} CPUs: the extra actors would never start")
            t = time.monotonic()
            executor = RayExecutor(config, workers=workers)
            # analyze([]) returns once the actor's __init__ (model loading) is done;
            # one real frame then pays the first-prediction cost.
            ray.get([actor.analyze.remote([]) for actor in executor.actors])
            startup["actors_ready_s"] = time.monotonic() - t
            t = time.monotonic()
            ray.get([actor.analyze.remote([warm_frame]) for actor in executor.actors])
            startup["warm_up_s"] = time.monotonic() - t
            worker_count = len(executor.actors)
        else:
            executor = LocalExecutor(config)
            startup["model_load_s"] = time.monotonic() - started
            t = time.monotonic()
            executor.analyzer.analyze([warm_frame])
            startup["warm_up_s"] = time.monotonic() - t
            worker_count = 0
        startup["total_s"] = time.monotonic() - started
        del warm_frame
        startup_memory = sampler.phase()

        sink = CountingSink()
        cpu_before = sampler.me.cpu_times()
        wall = time.monotonic()
        stats = analyze_video(video, info, sample_fps, executor, sink)
        wall = time.monotonic() - wall
        cpu_after = sampler.me.cpu_times()
        run_memory = sampler.phase()
    finally:
        if executor is not None and hasattr(executor, "close"):
            executor.close()
        sampler.stop()
        if mode == "ray":
            import ray

            ray.shutdown()

    # Does the driver's memory drift upward during the run? Peak of the last
    # half against peak of the first half of the analysis.
    series = run_memory.pop("series")
    startup_memory.pop("series")
    half = stats.elapsed_s / 2
    first = max((rss for t, rss in series if t <= half), default=0)
    second = max((rss for t, rss in series if t > half), default=0)
    return {
        "mode": mode,
        "video": video,
        "video_info": vars(info),
        "sample_fps": sample_fps,
        "workers": worker_count,
        "startup": startup,
        "startup_memory": startup_memory,
        "frames_analyzed": stats.frames_analyzed,
        "faces": stats.faces,
        "persons": stats.persons,
        "chunks": sink.chunks,
        "elapsed_s": stats.elapsed_s,
        "wall_s": wall,
        "frames_per_s": stats.frames_analyzed / stats.elapsed_s,
        "realtime_factor": info.duration_s / stats.elapsed_s,
        "driver_cpu_s": (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system),
        "memory": run_memory,
        "driver_rss_first_half_peak": first,
        "driver_rss_second_half_peak": second,
        "memory_samples": len(series),
    }


def run_child(mode: str, video: Path, args: argparse.Namespace, log_dir: Path) -> dict:
    """Run `measure` in a fresh interpreter; its output goes to a log file."""
    log = log_dir / f"{video.stem}.{mode}.log"
    with tempfile.TemporaryDirectory() as tmp:
        result_file = Path(tmp) / "result.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child-mode",
            mode,
            "--child-video",
            str(video),
            "--child-result",
            str(result_file),
            "--sample-fps",
            str(args.sample_fps),
            "--workers",
            str(args.workers),
        ]
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"}
        with open(log, "w") as out:
            code = subprocess.call(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=PROJECT_ROOT)
        if code != 0 or not result_file.exists():
            tail = log.read_text(errors="replace").splitlines()[-30:]
            raise SystemExit(f"{mode} run on {video.name} failed (exit {code}); log {log}:\n" + "\n".join(tail))
        result = json.loads(result_file.read_text())
    result["log"] = str(log)
    return result


# --------------------------------------------------------------------------- the long video


def build_long_video(clip: Path, minutes: float, out_dir: Path) -> Path:
    """Loop `clip` to `minutes` of 1280x720 video (mp4v); reuse a previous build with the same parameters."""
    info = probe(str(clip))
    width, height = LONG_SIZE
    frames = max(1, round(minutes * 60 * info.fps))
    params = {
        "source": str(clip.resolve()),
        "source_bytes": clip.stat().st_size,
        "source_mtime": clip.stat().st_mtime,
        "minutes": minutes,
        "width": width,
        "height": height,
        "fps": info.fps,
        "frames": frames,
        "fourcc": "mp4v",
    }
    path = out_dir / f"long_{clip.stem}_{minutes:g}min_{width}x{height}.mp4"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        try:
            if json.loads(meta.read_text()) == params:
                print(f"Reusing {path.relative_to(PROJECT_ROOT)} ({minutes:g} min, {width}x{height})")
                return path
        except (OSError, ValueError):
            pass
    print(f"Building {path.relative_to(PROJECT_ROOT)}: {clip.name} looped to {minutes:g} min at {width}x{height} ...")
    started = time.monotonic()
    partial = path.with_name(path.stem + ".partial.mp4")
    writer = cv2.VideoWriter(str(partial), cv2.VideoWriter_fourcc(*"mp4v"), info.fps, (width, height))
    if not writer.isOpened():
        raise SystemExit(f"cv2.VideoWriter could not open {partial} with mp4v")
    written = 0
    try:
        while written < frames:
            capture = cv2.VideoCapture(str(clip))
            looped = 0
            while written < frames:
                ok, image = capture.read()
                if not ok:
                    break
                writer.write(cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR))
                written += 1
                looped += 1
            capture.release()
            if looped == 0:
                raise SystemExit(f"{clip} decoded no frames")
    finally:
        writer.release()
    partial.replace(path)
    meta.write_text(json.dumps(params, indent=1))
    print(f"  {written} frames in {time.monotonic() - started:.1f} s")
    return path


# --------------------------------------------------------------------------- report


def _mib(value: float) -> str:
    return f"{value / MiB:7.0f} MiB"


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def _fmt_ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def describe(result: dict) -> list[str]:
    info = VideoInfo(**result["video_info"])
    peaks = result["memory"]["peaks"]
    startup = result["startup"]
    startup_parts = ", ".join(f"{k[:-2]} {v:.1f} s" for k, v in startup.items() if k != "total_s")
    label = f"ray ({result['workers']} actors)" if result["mode"] == "ray" else "local (1 process)"
    lines = [
        f"  {label}",
        f"    start-up (excluded)  {startup['total_s']:6.1f} s   [{startup_parts}]",
        f"    frames analysed      {result['frames_analyzed']:6d}     faces {result['faces']}, "
        f"persons {result['persons']}, chunks {result['chunks']}",
        f"    analysis time        {result['elapsed_s']:6.1f} s   for {info.duration_s:.1f} s of video",
        f"    analysed frames/s    {result['frames_per_s']:8.2f}",
        f"    realtime factor      {result['realtime_factor']:8.2f}   (video s per wall s)",
        f"    peak driver RSS     {_mib(peaks['driver_rss'])}",
    ]
    if result["mode"] == "ray":
        memory = result["memory"]
        lines += [
            f"    peak workers RSS    {_mib(peaks['workers_rss'])}   (sum over up to "
            f"{memory['max_worker_processes']} ray:: processes; the {memory['max_actor_processes']} actors alone "
            f"{peaks['actors_rss'] / MiB:.0f} MiB)",
            f"    peak ray system RSS {_mib(peaks['ray_system_rss'])}   (gcs, raylet + object store, agents)",
        ]
    drift = _ratio(result["driver_rss_second_half_peak"], result["driver_rss_first_half_peak"])
    lines += [
        f"    peak total PSS      {_mib(peaks['total_pss'])}   (driver + all Ray processes, shared pages split)",
        f"    driver RSS drift     {_fmt_ratio(drift)}   (peak in 2nd half / 1st half of the run)",
    ]
    return lines


def compare(ray_result: dict, local_result: dict) -> dict:
    rp, lp = ray_result["memory"]["peaks"], local_result["memory"]["peaks"]
    return {
        "speed_ray_over_local": _ratio(ray_result["frames_per_s"], local_result["frames_per_s"]),
        "driver_rss_ray_over_local": _ratio(rp["driver_rss"], lp["driver_rss"]),
        "driver_plus_workers_rss_ray_over_local": _ratio(rp["driver_rss"] + rp["workers_rss"], lp["driver_rss"]),
        "total_pss_ray_over_local": _ratio(rp["total_pss"], lp["total_pss"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clip", default="WolfgangLanger_Pexels.mp4", help="a file in <data>/videos, or a path")
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the long video (default 10)")
    parser.add_argument("--sample-fps", type=float, default=5.0, help="frames analysed per second of video")
    parser.add_argument("--workers", type=int, default=0, help="Ray actors (default 0: one per CPU Ray sees)")
    parser.add_argument("--skip-long", action="store_true", help="only the short clip")
    parser.add_argument("--json", metavar="OUT", help="write the figures as JSON")
    parser.add_argument("--child-mode", choices=["ray", "local"], help=argparse.SUPPRESS)
    parser.add_argument("--child-video", help=argparse.SUPPRESS)
    parser.add_argument("--child-result", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child_mode:
        result = measure(args.child_mode, args.child_video, args.sample_fps, args.workers)
        Path(args.child_result).write_text(json.dumps(result))
        return 0

    clip = Path(args.clip)
    if not clip.exists():
        clip = DATA_DIR / "videos" / args.clip
    if not clip.exists():
        parser.error(f"clip not found: {args.clip} (looked in {DATA_DIR / 'videos'}; set EMOTION_TEST_DATA)")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    log_dir = OUT_DIR / "logs"
    log_dir.mkdir(exist_ok=True)

    videos = [("short", clip)]
    if not args.skip_long:
        videos.append(("long", build_long_video(clip, args.minutes, OUT_DIR)))

    load = os.getloadavg()
    print(
        f"CPUs {psutil.cpu_count()} (usable {len(os.sched_getaffinity(0))}), load {load[0]:.2f} {load[1]:.2f}, "
        f"memory {psutil.virtual_memory().total / 2**30:.1f} GiB; sampling {args.sample_fps:g} fps; "
        f"memory sampled every {SAMPLE_PERIOD_S} s"
    )
    report: dict = {"args": {k: v for k, v in vars(args).items() if not k.startswith("child")}, "videos": {}}
    for name, video in videos:
        info = probe(str(video))
        print(
            f"\n== {name}: {video.name}  {info.width}x{info.height}, {info.fps:.2f} fps, "
            f"{info.frame_count} frames, {info.duration_s:.1f} s"
        )
        ray_result = run_child("ray", video, args, log_dir)
        print("\n".join(describe(ray_result)))
        local_result = run_child("local", video, args, log_dir)
        print("\n".join(describe(local_result)))
        ratios = compare(ray_result, local_result)
        print(
            f"  ray/local: speed {_fmt_ratio(ratios['speed_ray_over_local'])}, "
            f"driver RSS {_fmt_ratio(ratios['driver_rss_ray_over_local'])}, "
            f"driver+workers RSS {_fmt_ratio(ratios['driver_plus_workers_rss_ray_over_local'])}, "
            f"total PSS {_fmt_ratio(ratios['total_pss_ray_over_local'])}"
        )
        report["videos"][name] = {"ray": ray_result, "local": local_result, "ratios": ratios}

    if "long" in report["videos"]:
        short, long = report["videos"]["short"], report["videos"]["long"]
        growth = {}
        print("\n== memory vs video length (peak, long / short)")
        for mode in ("ray", "local"):
            s, lg = short[mode], long[mode]
            growth[mode] = {
                "video_seconds_long_over_short": _ratio(lg["video_info"]["duration_s"], s["video_info"]["duration_s"]),
                "frames_long_over_short": _ratio(lg["frames_analyzed"], s["frames_analyzed"]),
                "driver_rss_long_over_short": _ratio(
                    lg["memory"]["peaks"]["driver_rss"], s["memory"]["peaks"]["driver_rss"]
                ),
                "workers_rss_long_over_short": _ratio(
                    lg["memory"]["peaks"]["workers_rss"], s["memory"]["peaks"]["workers_rss"]
                ),
                "total_pss_long_over_short": _ratio(
                    lg["memory"]["peaks"]["total_pss"], s["memory"]["peaks"]["total_pss"]
                ),
            }
            g = growth[mode]
            line = (
                f"  {mode:5s}: {g['frames_long_over_short']:.1f}x the frames -> driver RSS "
                f"{_fmt_ratio(g['driver_rss_long_over_short'])}"
            )
            if mode == "ray":
                line += f", workers RSS {_fmt_ratio(g['workers_rss_long_over_short'])}"
            line += f", total PSS {_fmt_ratio(g['total_pss_long_over_short'])}"
            print(line)
        print(
            "  (the long video is also 1280x720 against the clip's "
            f"{short['ray']['video_info']['width']}x{short['ray']['video_info']['height']}: bigger frames in flight "
            "raise the peak somewhat without any growth with length; see 'driver RSS drift' for growth within a run)"
        )
        report["memory_vs_length"] = growth

    if args.json:
        out = Path(args.json)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1))
        print(f"\nFigures written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
