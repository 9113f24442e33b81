"""Executors analyse segments of a video and return their results in order.

`LocalExecutor` is the plain one-process loop; `analysis.runs.ray_executor.RayExecutor` spreads
segments over a pool of Ray actors with the same interface.
"""

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from .segment_analyzer import AnalyzerConfig, SegmentAnalyzer, SegmentRequest, SegmentResult

# Told the samples of each segment as soon as it is analysed, in whatever order segments finish (a
# segment held behind a slower one still counts as progress); may raise to stop the analysis.
OnFinished = Callable[[int], None]


class SegmentExecutor(Protocol):
    def map_segments(
        self, requests: Sequence[SegmentRequest], on_finished: OnFinished | None = None
    ) -> Iterator[SegmentResult]:
        """Analyse segments, yielding each one's result in the order of `requests`."""
        ...


class LocalExecutor:
    def __init__(self, config: AnalyzerConfig):
        self.analyzer = SegmentAnalyzer(config)

    def map_segments(
        self, requests: Sequence[SegmentRequest], on_finished: OnFinished | None = None
    ) -> Iterator[SegmentResult]:
        for request in requests:
            result = self.analyzer.analyze(request)
            result.worker = "local"
            if on_finished is not None:
                on_finished(result.samples)
            yield result
