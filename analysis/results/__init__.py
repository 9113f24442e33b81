"""Storing and reading a run's results in the database: the samples and persons a job writes
(sample_store), the binned timelines (timeline_store), markers (marker_store), the user's identity
edits (identity_edits: rename, merge, split, hide) and the downloads built from rows (downloads).

May import: analysis.models, videos.models, analysis.core, Django.
Never: analysis.runs, analysis.pages, analysis.api.
"""
