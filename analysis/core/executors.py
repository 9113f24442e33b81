"""Executors run a FrameAnalyzer over chunks of frames and return results in order.

`LocalExecutor` is the plain one-process loop; `analysis.ray_executor.RayExecutor`
spreads chunks over Ray actors with the same interface.
"""

from collections.abc import Iterable, Iterator
from typing import Protocol

from .frame_analyzer import AnalyzerConfig, FrameAnalyzer, FrameResult
from .video_source import SampledFrame


class ChunkExecutor(Protocol):
    def map_chunks(self, chunks: Iterable[list[SampledFrame]]) -> Iterator[list[FrameResult]]:
        """Analyse chunks, yielding each chunk's results in the order the chunks came."""
        ...


class LocalExecutor:
    def __init__(self, config: AnalyzerConfig):
        self.analyzer = FrameAnalyzer(config)

    def map_chunks(self, chunks: Iterable[list[SampledFrame]]) -> Iterator[list[FrameResult]]:
        for chunk in chunks:
            yield self.analyzer.analyze(chunk)
