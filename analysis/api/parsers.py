"""The API's JSON parser: DRF's, with a bound on nesting, so that no body can crash a request.

A 10 KB body nested 5,000 deep makes Python's json module raise RecursionError, which DRF's parser
does not turn into a 400; any body nested deeper than MAX_JSON_DEPTH is refused with a message, as
no request of this API needs more than a few levels.
"""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32


def depth(value: object) -> int:
    """How deep lists and objects nest in a parsed JSON value (0 for a scalar); iterative, for any depth."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            level += 1
            deepest = max(deepest, level)
            stack.extend((child, level) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep") from None
        if depth(data) > MAX_JSON_DEPTH:
            raise ParseError(f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep")
        return data
