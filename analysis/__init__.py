"""The analysis app, in rooms that import only downward (docs/architecture.md; `lint-imports` checks it):

api, pages          what users and scripts see (may import everything below)
admin, management   staff's pages and commands
runs                the life of a run: start, job, heartbeat, reaper, schedule, Ray
results             storing and reading results: samples, timelines, markers, identity edits, downloads
models              the tables
(videos)            the stored video, a separate app
core                the analysis itself: plain Python over frames, no Django, rq or Ray
"""
