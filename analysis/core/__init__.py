"""The analysis core: plain functions and classes over numpy frames.

Nothing in this package imports Django, rq or Ray; those live at the edges
(`analysis.jobs`, `analysis.ray_executor`, `analysis.result_store`).
"""
