"""What every API operation may answer, written into the OpenAPI schema once (drf-spectacular's hook).

Each view documents its own answers; these are the ones every operation shares, added where a view does
not say them itself: 401 without credentials (every operation needs them), 404 for an id in the path that
is not one of yours (or not a number the database holds), 400 for a body that is not what it should be, and
415 for a body of a media type the operation does not read.
"""

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "additionalProperties": {"oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]},
    "description": 'The messages by field, e.g. {"name": ["..."]}, or {"detail": "..."}',
}
COMMON = {
    "401": ("Not signed in: no token or session, or a bad one", DETAIL),
    "404": ("No such object among yours (ids in the path), or no such page", DETAIL),
    "400": ("The body is malformed or a value is refused; the messages say which", FIELD_ERRORS),
    "415": ("The body's media type is not one this operation reads", DETAIL),
}


def _answer(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def document_common_answers(result: dict, generator, request, public) -> dict:
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "put", "post", "patch", "delete", "head", "options"}:
                continue
            responses = operation.setdefault("responses", {})
            needed = ["401"]
            names = {parameter.get("name") for parameter in operation.get("parameters", [])}
            if "{" in path or "page" in names:  # a page past the last one is 404 too (DRF's pagination)
                needed.append("404")
            if "requestBody" in operation:
                needed += ["400", "415"]
            for code in needed:
                responses.setdefault(code, _answer(*COMMON[code]))
    return result
