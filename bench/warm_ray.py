"""The warm runtime: job start-up cold and warm, and Ray's speed-up over one process with start-up excluded.

In one process, as the rq worker lives under `make run` (a SimpleWorker keeps its Ray connection):

- cold: Ray started (`ray.init`, or connecting to RAY_ADDRESS) and the shared actor pool created,
  until the first segment of a clip has been analysed;
- warm: the next job's start to its first segment, Ray connected and the pool up;
- scaling: a long clip analysed by the warm pool (`--workers` actors) against the same clip in
  one process (`LocalExecutor`, its classifier on one thread, as each actor's is), start-up
  excluded from both; then each actor's RSS, after the long clip.

    .venv/bin/python -m bench.warm_ray CLIP [--workers 2] [--sample-fps 5] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from bench.common import DATA_DIR


def first_segment_s(clip: str, workers: int) -> float:
    """A job's start to its first segment's results: pool lookup (or start), then one segment."""
    from analysis.core.segment_analyzer import AnalyzerConfig, SegmentRequest
    from analysis.core.video_source import plan_segments, probe
    from analysis.runs.ray_executor import RayExecutor

    started = time.perf_counter()
    executor = RayExecutor(AnalyzerConfig(), workers=workers, address=os.environ.get("RAY_ADDRESS"))
    next(executor.map_segments([SegmentRequest(clip, plan_segments(probe(clip), 5.0)[0], 5.0)]))
    return time.perf_counter() - started


def analysis_s(clip: str, sample_fps: float, executor) -> float:
    from analysis.core.pipeline import analyze_video
    from analysis.core.result_formats import CollectingSink
    from analysis.core.video_source import probe

    started = time.perf_counter()
    analyze_video(clip, probe(clip), sample_fps, executor, CollectingSink())
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", help="the long clip for the scaling figure")
    parser.add_argument("--start-clip", default=str(DATA_DIR / "videos" / "single_face.mp4"), help="the clip of (d)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sample-fps", type=float, default=5.0)
    parser.add_argument("--json", type=Path, metavar="OUT")
    args = parser.parse_args()

    import ray

    from analysis.core.executors import LocalExecutor
    from analysis.core.segment_analyzer import AnalyzerConfig
    from analysis.runs.ray_executor import RayExecutor

    cold = first_segment_s(args.start_clip, args.workers)
    warm = [first_segment_s(args.start_clip, args.workers) for _ in range(3)]
    pool = RayExecutor(AnalyzerConfig(), workers=args.workers)
    on_ray = analysis_s(args.clip, args.sample_fps, pool)
    health = ray.get([actor.health.remote() for actor in pool.actors])
    one_process = analysis_s(args.clip, args.sample_fps, LocalExecutor(AnalyzerConfig(threads=1)))
    figures = {
        "cold_start_s": cold,
        "warm_start_s": warm,
        "ray_analysis_s": on_ray,
        "one_process_analysis_s": one_process,
        "ray_speedup": one_process / on_ray,
        "actor_rss_mib": [h["rss_mib"] for h in health],
        "actor_tensorflow": any(h["tensorflow"] for h in health),
    }
    print(f"job start to first segment analysed: cold {cold:.2f} s, warm {min(warm):.2f}-{max(warm):.2f} s")
    print(
        f"{Path(args.clip).name}, start-up excluded: Ray ({args.workers} actors) {on_ray:.1f} s, "
        f"one process {one_process:.1f} s: {figures['ray_speedup']:.2f}x"
    )
    print("actor RSS after it: " + ", ".join(f"{mib:.0f} MiB" for mib in figures["actor_rss_mib"]))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
