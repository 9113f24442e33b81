"""Executors analyse segments of a video and return their results in order.

`LocalExecutor` analyses in this process: one segment at a time, or (workers > 1) several at once on
threads of their own, each with its own models, as Ray's actors do in processes of their own, but
with nothing to start (the heavy steps, decoding, YuNet and LiteRT, release the GIL).
`analysis.runs.ray_executor.RayExecutor` spreads segments over a pool of Ray actors with the same
interface.
"""

import dataclasses
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Protocol

from .segment_analyzer import AnalyzerConfig, SegmentAnalyzer, SegmentRequest, SegmentResult

# Told the samples of each segment as soon as it is analysed, in whatever order segments finish (a
# segment held behind a slower one still counts as progress); may raise to stop the analysis.
OnFinished = Callable[[int], None]
# Segments queued per worker thread: one being analysed, one waiting.
IN_FLIGHT_PER_WORKER = 2


class SegmentExecutor(Protocol):
    def map_segments(
        self, requests: Sequence[SegmentRequest], on_finished: OnFinished | None = None
    ) -> Iterator[SegmentResult]:
        """Analyse segments, yielding each one's result in the order of `requests`."""
        ...


class LocalExecutor:
    def __init__(self, config: AnalyzerConfig, workers: int = 1):
        self.workers = max(1, workers)
        if self.workers == 1:
            self.analyzer = SegmentAnalyzer(config)
            return
        # One core per thread: each decodes its own segment and runs its classifier on one thread.
        self._config = dataclasses.replace(config, threads=1)
        self._local = threading.local()

    def _analyze(self, request: SegmentRequest) -> SegmentResult:
        analyzer = getattr(self._local, "analyzer", None)
        if analyzer is None:  # each thread loads its own models: an interpreter is not thread-safe
            analyzer = self._local.analyzer = SegmentAnalyzer(self._config)
        return analyzer.analyze(request)

    def map_segments(
        self, requests: Sequence[SegmentRequest], on_finished: OnFinished | None = None
    ) -> Iterator[SegmentResult]:
        if self.workers == 1:
            for request in requests:
                result = self.analyzer.analyze(request)
                result.worker = "local"
                if on_finished is not None:
                    on_finished(result.samples)
                yield result
            return
        yield from self._map_threaded(requests, on_finished)

    def _map_threaded(
        self, requests: Sequence[SegmentRequest], on_finished: OnFinished | None
    ) -> Iterator[SegmentResult]:
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="segment")
        running: dict[Future, int] = {}
        finished: dict[int, SegmentResult] = {}
        dispatched = yielded = 0
        try:
            while yielded < len(requests):
                while dispatched < len(requests) and len(running) + len(finished) < IN_FLIGHT_PER_WORKER * self.workers:
                    running[pool.submit(self._analyze, requests[dispatched])] = dispatched
                    dispatched += 1
                if yielded not in finished:
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        index = running.pop(future)
                        finished[index] = future.result()
                        finished[index].worker = "local"
                        if on_finished is not None:
                            on_finished(finished[index].samples)
                    continue
                yield finished.pop(yielded)
                yielded += 1
        finally:
            # A failed or cancelled run: queued segments never start; running ones end with their segment.
            pool.shutdown(wait=True, cancel_futures=True)
