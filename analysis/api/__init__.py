"""The REST API under /api/ for scripts and notebooks: token or session auth, OpenAPI schema (docs/api.md).

May import: analysis.pages' forms (the API applies the pages' checks with the same messages),
analysis.runs, analysis.results, analysis.models, videos, analysis.core, Django, REST framework.
"""
