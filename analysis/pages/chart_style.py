"""Colours, layout, the time axis and the trace toggles every results chart shares, and the plain-JSON pieces
the results page's figures are built from (charts.py, group_charts.py).

The results page's figures are plain dicts, as plotly's `to_json` would write them, not plotly figure objects:
building, validating and serialising a `go.Figure` (with a copy of the template each) cost most of a results
page's time. The template comes once with the page (page_template) and charts.js applies it to every figure.
"""

import base64
import json
from functools import lru_cache

import numpy as np
import plotly.io as pio

COLORS = {
    "angry": "#d62728",
    "disgust": "#2ca02c",
    "fear": "#9467bd",
    "happy": "#e6b800",
    "sad": "#1f77b4",
    "surprise": "#ff7f0e",
    "neutral": "#7f7f7f",
}
# The share of faces turned to the camera: a colour no emotion uses.
ATTENTION_COLOR = "#17becf"
TEMPLATE = "plotly_white"
LAYOUT = dict(margin=dict(l=50, r=20, t=30, b=40), template=TEMPLATE, hovermode="x unified")
# plotly.js's names of the array types it reads from base64 ("typed array spec").
TYPED_ARRAY_TYPES = {
    "float32": "f4",
    "float64": "f8",
    "int8": "i1",
    "uint8": "u1",
    "int16": "i2",
    "uint16": "u2",
    "int32": "i4",
    "uint32": "u4",
}


def time_axis(span_s: float) -> dict:
    """The x axis of every chart of a page with time on it: 0 to the end of the video (charts.time_span),
    in seconds, so that a moment, a marker or the playhead sits at the same x on each."""
    return dict(title=dict(text="time (s)"), range=[0, span_s])


def page_layout(**settings) -> dict:
    """LAYOUT without its template (charts.js applies page_template), plus `settings`; fresh dicts each call."""
    return {"margin": dict(LAYOUT["margin"]), "hovermode": LAYOUT["hovermode"], **settings}


@lru_cache(maxsize=1)
def _template_json() -> str:
    return json.dumps(pio.templates[TEMPLATE].to_plotly_json())


def page_template() -> dict:
    """LAYOUT's template as plotly.js takes it (layout.template), sent once with the page."""
    return json.loads(_template_json())


def typed(values: np.ndarray) -> dict | list:
    """A numpy array as plotly's to_json writes it: plotly.js's typed array spec, base64 of its bytes (with its
    shape when 2-D); an empty array as a list. int64 is not read by plotly.js: pass a smaller type."""
    array = np.ascontiguousarray(values)
    if array.size == 0:
        return array.tolist()
    spec = {"dtype": TYPED_ARRAY_TYPES[str(array.dtype)], "bdata": base64.b64encode(array).decode("ascii")}
    if array.ndim > 1:
        spec["shape"] = str(array.shape)[1:-1]
    return spec


def toggle(name: str, options: dict[str, list[bool]]) -> dict:
    """A figure's layout.meta for a switch between sets of traces, drawn by static/js/charts.js as HTML buttons
    (aria-pressed) above the chart, where Tab and screen readers reach them; Plotly's own menus (updatemenus) are
    neither. `options` maps each button's label to the traces' visibility; the first is the one drawn."""
    return {
        "toggle": {"name": name, "options": [{"label": label, "visible": shown} for label, shown in options.items()]}
    }
