"""Spreading segments of a video over a pool of Ray actors that keep the models loaded.

The pool is shared by every job: actors are named and detached, so the first job on a cluster
starts them and later jobs find them warm. Each actor opens the video itself and decodes only its
segment; only compact results come back. With RAY_ADDRESS unset a local Ray starts in-process
(`make run` starts a head and sets it, so jobs do not pay Ray's start-up).
"""

import ctypes
import dataclasses
import hashlib
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Iterator, Sequence

import psutil
import ray

from analysis.core.executors import OnFinished
from analysis.core.segment_analyzer import AnalyzerConfig, SegmentAnalyzer, SegmentRequest, SegmentResult

NAMESPACE = "emotion-detector"
LOCAL_OBJECT_STORE_BYTES = 256 * 1024 * 1024
# Segments queued per actor: one being analysed, one waiting, so an actor never idles.
IN_FLIGHT_PER_ACTOR = 2
# Finished segments held per actor while an earlier one runs: bounds the driver's memory.
HELD_PER_ACTOR = 4
# A killed actor (out of memory, a lost node) is started again and its unfinished segments sent to it
# again: a segment in, its result out, so running one twice changes nothing. A segment that kills its
# actor every time fails the job after MAX_SEGMENT_RETRIES more tries instead of looping.
MAX_SEGMENT_RETRIES = 2


@ray.remote(num_cpus=1)
class AnalyzerActor:
    def __init__(self, config: AnalyzerConfig):
        self.analyzer = SegmentAnalyzer(config)
        self.node = ray.get_runtime_context().get_node_id()

    def analyze(self, request: SegmentRequest) -> SegmentResult:
        result = self.analyzer.analyze(request)
        result.worker = self.node
        release_freed_memory()
        return result

    def health(self) -> dict:
        """Where the actor runs, its memory, and whether anything heavy crept into its process."""
        return {
            "node": self.node,
            "pid": os.getpid(),
            "rss_mib": psutil.Process().memory_info().rss / 2**20,
            "tensorflow": "tensorflow" in sys.modules or "keras" in sys.modules,
        }


def release_freed_memory() -> None:
    """Hand the heap that a segment's frames freed back to the system (glibc keeps it otherwise, and a
    long-lived actor's RSS would creep up with every segment)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def ensure_ray(address: str | None) -> None:
    if ray.is_initialized():
        return
    # ray.init makes SIGTERM exit at once; the host process keeps its own meaning of it (an rq
    # worker's: finish the job, then stop), so its handler is put back.
    host_handler = signal.getsignal(signal.SIGTERM) if threading.current_thread() is threading.main_thread() else None
    _init_ray(address)
    if host_handler is not None:
        signal.signal(signal.SIGTERM, host_handler)


def _init_ray(address: str | None) -> None:
    if address:
        ray.init(address=address, namespace=NAMESPACE, log_to_driver=False)
    else:
        ray.init(
            namespace=NAMESPACE,
            include_dashboard=False,
            log_to_driver=False,
            object_store_memory=LOCAL_OBJECT_STORE_BYTES,
        )


def pool_size(workers: int) -> int:
    """`workers` actors, or (0) one per CPU of the whole cluster, every node included."""
    return workers or max(1, int(ray.cluster_resources().get("CPU", 1)))


def actor_pool(config: AnalyzerConfig, size: int) -> list:
    """The shared actors for `config`: found by name when another job started them, else started."""
    tag = hashlib.sha1(repr(config).encode()).hexdigest()[:10]
    actors = [
        AnalyzerActor.options(
            name=f"analyzer-{tag}-{i}",
            namespace=NAMESPACE,
            lifetime="detached",
            get_if_exists=True,
            max_restarts=-1,  # the pool lives as long as the cluster: restart it however often it dies
            max_task_retries=MAX_SEGMENT_RETRIES,
            # Spread over the nodes so a cluster's machines all take part.
            scheduling_strategy="SPREAD",
        ).remote(config)
        for i in range(size)
    ]
    return actors


class RayExecutor:
    def __init__(self, config: AnalyzerConfig, workers: int = 0, address: str | None = None):
        ensure_ray(address)
        # One CPU per actor: one classifier thread.
        self.actors = actor_pool(dataclasses.replace(config, threads=1), pool_size(workers))

    def map_segments(
        self, requests: Sequence[SegmentRequest], on_finished: OnFinished | None = None
    ) -> Iterator[SegmentResult]:
        # Each actor holds IN_FLIGHT_PER_ACTOR segments and gets the next one as soon as it finishes
        # one, so a slow segment never leaves another actor idle; results are yielded in order, and
        # no more than a few finished ones are held while an earlier one is still running (fetched
        # as they finish, so that on_finished counts them then).
        free = deque(actor for actor in self.actors for _ in range(IN_FLIGHT_PER_ACTOR))
        hold = HELD_PER_ACTOR * len(self.actors)
        running: dict = {}  # object ref -> (segment index, actor)
        finished: dict[int, SegmentResult] = {}  # segment index -> its result
        dispatched = yielded = 0
        while yielded < len(requests):
            while free and dispatched < len(requests) and len(finished) < hold:
                actor = free.popleft()
                running[actor.analyze.remote(requests[dispatched])] = (dispatched, actor)
                dispatched += 1
            if yielded not in finished:
                (ready,), _ = ray.wait(list(running), num_returns=1)
                index, actor = running.pop(ready)
                finished[index] = ray.get(ready)
                free.append(actor)
                if on_finished is not None:
                    on_finished(finished[index].samples)
                continue
            yield finished.pop(yielded)
            yielded += 1

    def close(self) -> None:
        """The actors stay up for the next job; a job only lets go of its handles."""
        self.actors = []

    def __enter__(self) -> "RayExecutor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
