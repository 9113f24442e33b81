"""Wall time and peak RSS of a command's process tree, sampled with psutil while it runs.

    .venv/bin/python -m bench.rss -- .venv/bin/python manage.py analyze_video CLIP --workers 2

The command's own process (the driver) and every descendant are sampled every `period` seconds; each
process keeps its own peak. Descendants whose command line starts with `ray::` are Ray worker
processes: actors (`ray::AnalyzerActor...`) are reported one by one, idle pool workers (`ray::IDLE`)
and Ray's system processes (gcs_server, raylet, agents) as sums of their peaks.
RSS counts shared pages (libraries, Ray's object store) in every process mapping them, so the sums
over-count memory the processes share; per-process peaks are the figure to compare across runs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

MiB = 1024 * 1024
# Ray's own processes that also carry a `ray::` title; any other `ray::` title is a worker running user code.
RAY_SERVICE_TITLES = frozenset(
    {"ray::IDLE", "ray::DashboardAgent", "ray::RuntimeEnvAgent", "ray::SpillWorker", "ray::RestoreWorker"}
)


@dataclass
class ProcessPeak:
    pid: int
    label: str  # "driver", "ray::AnalyzerActor", "ray::IDLE", or the executable's name
    peak_rss: int = 0


@dataclass
class Measured:
    command: list[str]
    returncode: int
    wall_s: float
    processes: dict[int, ProcessPeak] = field(default_factory=dict)
    log: Path | None = None

    @property
    def driver_rss(self) -> int:
        return next((p.peak_rss for p in self.processes.values() if p.label == "driver"), 0)

    def actors(self) -> list[ProcessPeak]:
        """Ray worker processes that ran an actor or task (not idle pool workers or Ray's agents), oldest first."""
        return [
            p
            for p in self.processes.values()
            if p.label.startswith("ray::") and p.label.replace("ray::IDLE_", "ray::") not in RAY_SERVICE_TITLES
        ]

    def other_rss(self) -> int:
        """Sum of the peaks of every other descendant: idle Ray workers, Ray's own services, helpers."""
        return sum(p.peak_rss for p in self.processes.values() if p.label != "driver" and p not in self.actors())


def _label(proc: psutil.Process, root_pid: int) -> str:
    if proc.pid == root_pid:
        return "driver"
    cmdline = proc.cmdline()
    first = cmdline[0] if cmdline else proc.name()
    if first.startswith("ray::"):
        # Ray sets the title to "ray::Class.method" while an actor works; the class names the actor.
        return first.split()[0].split(".")[0]
    return Path(first).name


def _sample(root: psutil.Process, peaks: dict[int, ProcessPeak]) -> None:
    try:
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return
    for proc in procs:
        try:
            label = _label(proc, root.pid)
            rss = proc.memory_info().rss
        except psutil.Error:  # exited between listing and reading
            continue
        peak = peaks.setdefault(proc.pid, ProcessPeak(proc.pid, label))
        # A worker starts as ray::IDLE and takes its actor's title once it runs one: keep the specific one.
        if not label.startswith("ray::IDLE"):
            peak.label = label
        peak.peak_rss = max(peak.peak_rss, rss)


def measure(
    command: list[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    period: float = 0.2,
) -> Measured:
    """Runs `command` to its end; its output goes to `log` (or is discarded), never to a pipe we could block."""
    with open(log or os.devnull, "w") as sink:
        started = time.perf_counter()
        root = psutil.Popen(command, cwd=cwd, env=env, stdout=sink, stderr=subprocess.STDOUT)
        peaks: dict[int, ProcessPeak] = {}
        while root.poll() is None:
            _sample(root, peaks)
            try:  # waits `period`, but returns the moment the command ends, so the wall time stays exact
                root.wait(timeout=period)
            except (psutil.TimeoutExpired, subprocess.TimeoutExpired):
                pass
        wall = time.perf_counter() - started
    return Measured(command, root.returncode, wall, peaks, log)


def describe(measured: Measured) -> list[str]:
    lines = [f"driver {measured.driver_rss / MiB:.0f} MiB"]
    lines += [f"{p.label} (pid {p.pid}) {p.peak_rss / MiB:.0f} MiB" for p in measured.actors()]
    lines.append(f"other descendants together {measured.other_rss() / MiB:.0f} MiB")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Run a command; print its wall time and the peak RSS of it and of each child process."
    )
    parser.add_argument("--period", type=float, default=0.2, help="seconds between samples (default 0.2)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to measure after --")
    result = measure(command, period=args.period)
    print(f"exit {result.returncode}, {result.wall_s:.1f} s wall")
    for line in describe(result):
        print("  " + line)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
