"""The life of an analysis run: starting it (launch, limits), the rq job that runs it on Ray (jobs,
ray_executor, video_files), its states (lifecycle), its heartbeat, and the reaper that fails lost
runs on rq's cron (reaper, schedule).

May import: analysis.results, analysis.models, videos, analysis.core, Django, rq, Ray.
Never: analysis.pages, analysis.api (they call this package, not the other way round).
"""
