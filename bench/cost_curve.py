"""The cost of a face: CPU per frame and per face-sample as faces grow (1, 4, 13, 30), old beside new.

    .venv/bin/python -m bench.cost_curve [--base b305f01] [--sample-fps 5]

Each clip is analysed by whole `manage.py analyze_video CLIP --no-ray --json` commands, one process,
twice in the same run: by the code at `--base` (checked out once into bench/out/base-REV with
`git worktree`, run with the same venv) and by the working tree. CPU = user + system seconds of the
command (getrusage of the child), less the same command's CPU on a clip without faces (no_face.mp4:
interpreter, imports, models): what the analysis itself costs. Per frame = that / frames sampled;
per face-sample = that / face samples in the JSON; per added face = the least-squares slope of ms per
frame against faces in view.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from bench import clips
from bench.common import OUT_DIR, PROJECT_ROOT, PYTHON, data_file

BASE = "b305f01"  # main before issue 31


def clips_by_faces() -> dict[int, Path]:
    return {1: clips.long_clip(1), 4: clips.room4_clip(), 13: clips.many_faces_clip(), 30: clips.crowd_clip()}


def base_tree(rev: str) -> Path:
    tree = OUT_DIR / f"base-{rev}"
    if not tree.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), rev], cwd=PROJECT_ROOT, check=True)
    return tree


def cpu_of(tree: Path, clip: Path, sample_fps: float) -> tuple[float, dict]:
    """CPU seconds of one whole command run in `tree`, and its JSON document."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "result.json"
        command = [PYTHON, "manage.py", "analyze_video", str(clip), "--no-ray", "--sample-fps", str(sample_fps)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([*command, "-v", "0", "--json", str(out)], cwd=tree, check=True, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        document = json.loads(out.read_text())
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, document


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default=BASE, help=f"the code to compare with (default {BASE})")
    parser.add_argument("--sample-fps", type=float, default=5.0)
    args = parser.parse_args()
    trees = {f"old ({args.base})": base_tree(args.base), "new": PROJECT_ROOT}
    empty = data_file("videos/no_face.mp4")
    startup = {name: cpu_of(tree, empty, args.sample_fps)[0] for name, tree in trees.items()}
    print("start-up CPU (no_face.mp4): " + ", ".join(f"{name} {cpu:.1f} s" for name, cpu in startup.items()))
    rows = []
    for faces, clip in clips_by_faces().items():
        row = {"faces": faces, "clip": clip.name}
        for name, tree in trees.items():
            cpu, document = cpu_of(tree, clip, args.sample_fps)
            analysis = max(cpu - startup[name], 1e-3)
            samples = sum(len(person["samples"]) for person in document["persons"])
            frames = document["analysis"]["frames_analyzed"]
            row[name] = {
                "cpu_s": cpu,
                "ms_per_frame": analysis * 1000 / frames,
                "ms_per_face_sample": analysis * 1000 / max(samples, 1),
                "persons": len(document["persons"]),
                "samples": samples,
            }
        rows.append(row)
    names = list(trees)
    print(f"\nCPU of the analysis (start-up taken off), one process, {args.sample_fps:g} fps, 2 cores")
    print(f"{'faces':>5} {'clip':28} {'persons':>9} " + " ".join(f"{f'ms/frame {n}':>22}" for n in names), end="")
    print(" " + " ".join(f"{f'ms/face-sample {n}':>26}" for n in names))
    for row in rows:
        persons = "/".join(str(row[name]["persons"]) for name in names)
        print(f"{row['faces']:>5} {row['clip']:28} {persons:>9} ", end="")
        print(" ".join(f"{row[name]['ms_per_frame']:22.1f}" for name in names), end=" ")
        print(" ".join(f"{row[name]['ms_per_face_sample']:26.1f}" for name in names))
    faces = np.array([row["faces"] for row in rows], dtype=float)
    slopes = {name: float(np.polyfit(faces, [row[name]["ms_per_frame"] for row in rows], 1)[0]) for name in names}
    print("ms per frame for each added face: " + ", ".join(f"{name} {slope:.2f}" for name, slope in slopes.items()))
    print(f"old / new per added face: {slopes[names[0]] / slopes[names[1]]:.2f}x")
    (OUT_DIR / "cost_curve.json").write_text(json.dumps({"startup_cpu_s": startup, "rows": rows, "slopes": slopes}))


if __name__ == "__main__":
    main()
