"""`json_script` for the results page's chart data, a few times faster on a big page.

Django's json_script escapes with `str.translate`, which walks a large string character by character in
Python's slow path (0.1-0.3 s for the ~1 MB of a 10-person room); three `str.replace` calls make the same
escapes at memory speed.
"""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

# What json_script escapes, so that the data cannot end the <script> element or open a comment.
_ESCAPES = (("&", "\\u0026"), ("<", "\\u003C"), (">", "\\u003E"))


@register.filter(is_safe=True)
def chart_data_script(value, element_id: str) -> str:
    """`value` as JSON in <script id=element_id type="application/json">, escaped as json_script does."""
    text = json.dumps(value, cls=DjangoJSONEncoder)
    for character, escape in _ESCAPES:
        text = text.replace(character, escape)
    return format_html('<script id="{}" type="application/json">{}</script>', element_id, mark_safe(text))
