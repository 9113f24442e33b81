"""Colours, layout, the time axis and the trace toggles every results chart shares."""

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
LAYOUT = dict(margin=dict(l=50, r=20, t=30, b=40), template="plotly_white", hovermode="x unified")


def time_axis(span_s: float) -> dict:
    """The x axis of every chart of a page with time on it: 0 to the end of the video (charts.time_span),
    in seconds, so that a moment, a marker or the playhead sits at the same x on each."""
    return dict(title="time (s)", range=[0, span_s])


def add_toggle(figure, name: str, options: dict[str, list[bool]]) -> None:
    """Switches between sets of traces, drawn by static/js/charts.js as HTML buttons (aria-pressed) above the
    chart, where Tab and screen readers reach them; Plotly's own menus (updatemenus) are neither. `options`
    maps each button's label to the traces' visibility; the first is the one drawn."""
    choices = [{"label": label, "visible": visible} for label, visible in options.items()]
    figure.update_layout(meta={"toggle": {"name": name, "options": choices}})
