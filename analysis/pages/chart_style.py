"""Colours and layout every results chart shares."""

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
