"""Executors analyse segments of a video and return their results in order.

`LocalExecutor` is the plain one-process loop; `analysis.runs.ray_executor.RayExecutor` spreads
segments over a pool of Ray actors with the same interface.
"""

from collections.abc import Iterator, Sequence
from typing import Protocol

from .segment_analyzer import AnalyzerConfig, SegmentAnalyzer, SegmentRequest, SegmentResult


class SegmentExecutor(Protocol):
    def map_segments(self, requests: Sequence[SegmentRequest]) -> Iterator[SegmentResult]:
        """Analyse segments, yielding each one's result in the order of `requests`."""
        ...


class LocalExecutor:
    def __init__(self, config: AnalyzerConfig):
        self.analyzer = SegmentAnalyzer(config)

    def map_segments(self, requests: Sequence[SegmentRequest]) -> Iterator[SegmentResult]:
        for request in requests:
            result = self.analyzer.analyze(request)
            result.worker = "local"
            yield result
