"""The analysis core: plain functions and classes over numpy frames.

Nothing in this package imports Django, rq or Ray; those live at the edges
(`analysis.runs.jobs`, `analysis.runs.ray_executor`, `analysis.results.sample_store`).
May import: numpy, OpenCV, PyAV, dlib, LiteRT, and nothing else of this project.
"""
