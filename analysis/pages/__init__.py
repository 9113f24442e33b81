"""The server-rendered pages: the video list, upload and delete pages (video_views, upload_form), the
results page and its JSON (result_views, charts, group_charts, overlay), identity and marker forms
(identity_views, marker_views, forms), and their URLs.

May import: analysis.runs, analysis.results, analysis.models, videos, analysis.core, Django, Plotly.
Never: analysis.api (the API reuses the forms here, not the other way round).
"""
