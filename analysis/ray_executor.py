"""Spreading chunks of frames over Ray actors that keep the models loaded.

A local Ray starts in-process when RAY_ADDRESS is unset; with it set, the
actors run on the cluster (whose nodes must have this project installed).
"""

import os
from collections import deque
from collections.abc import Iterable, Iterator

import ray

from .core.frame_analyzer import AnalyzerConfig, FrameAnalyzer, FrameResult
from .core.video_source import SampledFrame

# Chunks queued per actor: one being analysed, one waiting, so actors never idle
# while the frames in flight stay bounded.
IN_FLIGHT_PER_ACTOR = 2
LOCAL_OBJECT_STORE_BYTES = 512 * 1024 * 1024


@ray.remote(num_cpus=1)
class AnalyzerActor:
    def __init__(self, config: AnalyzerConfig):
        # One CPU per actor: keep TensorFlow from starting a thread per core.
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        self.analyzer = FrameAnalyzer(config)

    def analyze(self, frames: list[SampledFrame]) -> list[FrameResult]:
        return self.analyzer.analyze(frames)


def ensure_ray(address: str | None) -> None:
    if ray.is_initialized():
        return
    if address:
        ray.init(address=address, log_to_driver=False)
    else:
        ray.init(
            include_dashboard=False,
            log_to_driver=False,
            object_store_memory=LOCAL_OBJECT_STORE_BYTES,
        )


class RayExecutor:
    def __init__(self, config: AnalyzerConfig, workers: int = 0, address: str | None = None):
        ensure_ray(address)
        # By default one actor per CPU that is free now: jobs sharing a cluster then
        # never wait on each other's actors (a busy cluster still gets one actor).
        count = workers or max(1, int(ray.available_resources().get("CPU", 1)))
        self.actors = [AnalyzerActor.remote(config) for _ in range(count)]

    def map_chunks(self, chunks: Iterable[list[SampledFrame]]) -> Iterator[list[FrameResult]]:
        pending: deque = deque()
        limit = IN_FLIGHT_PER_ACTOR * len(self.actors)
        for i, chunk in enumerate(chunks):
            pending.append(self.actors[i % len(self.actors)].analyze.remote(chunk))
            if len(pending) >= limit:
                yield ray.get(pending.popleft())
        while pending:
            yield ray.get(pending.popleft())

    def close(self) -> None:
        for actor in self.actors:
            ray.kill(actor)
        self.actors = []

    def __enter__(self) -> "RayExecutor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
