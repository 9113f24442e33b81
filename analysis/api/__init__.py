"""The REST API under /api/ for scripts and notebooks: token or session auth, OpenAPI schema (docs/api.md)."""
