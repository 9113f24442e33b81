"""The room's mood: group aggregates on a time grid, the heatmap's data, and the highlights found in them."""

import base64
import json

import numpy as np
import pytest

from analysis.core.emotions import EMOTIONS
from analysis.core.group_mood import (
    PersonSeries,
    bin_count,
    bin_seconds,
    binned_states,
    facing_bins,
    group_mood,
    person_bins,
)
from analysis.core.highlights import MIN_FACES, clock, find_highlights
from analysis.core.valence import from_raw
from analysis.pages.group_charts import HEATMAP_COLUMNS, coarsen, group_timeline, persons_heatmap

HAPPY = np.array([0, 0, 0, 0.8, 0, 0, 0.2])
SAD = np.array([0, 0, 0, 0.1, 0.5, 0, 0.4])
ANGRY = np.array([0.6, 0, 0, 0, 0.2, 0, 0.2])


def values(array) -> np.ndarray:
    """A figure's array as plotly.js reads it: a typed array spec ({dtype, bdata, shape}) or a list."""
    if isinstance(array, dict):
        flat = np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"]))
        return flat.reshape([int(n) for n in array["shape"].split(",")]) if "shape" in array else flat
    return np.asarray(array)


def person(number: int, start: float, end: float, before: np.ndarray, after: np.ndarray | None = None, switch=60.0):
    t = np.arange(start, end, 0.2)
    p = np.tile(before, (len(t), 1))
    if after is not None:
        p[t >= switch] = after
    return PersonSeries(number, t, p, np.ones(len(t)))


def mood_of(persons, duration):
    bin_s, per_person = person_bins(persons, duration)
    return group_mood([p.number for p in persons], per_person, bin_s)


def test_bins_are_one_second_until_the_video_needs_fewer():
    assert bin_seconds(600) == 1.0 and bin_seconds(3600) == 3.0 and bin_seconds(3601) == 4.0


def test_group_shares_visible_faces_valence_and_spread():
    persons = [person(1, 0, 20, HAPPY), person(2, 10, 30, SAD)]
    mood = mood_of(persons, 30)
    assert mood.numbers == [1, 2]  # equal time on screen: the order of appearance
    assert mood.visible[:10].tolist() == [1] * 10 and mood.visible[12:18].tolist() == [2] * 6
    happy, sad = EMOTIONS.index("happy"), EMOTIONS.index("sad")
    assert mood.shares[5, happy] == 1.0 and mood.shares[15, happy] == 0.5 and mood.shares[15, sad] == 0.5
    happy_v, sad_v = from_raw(0.8), from_raw(-0.4)  # raw valences: 0.8 - 0 and 0.1 - 0.5
    assert mood.valence[15] == pytest.approx((happy_v + sad_v) / 2)
    assert mood.spread[15] == pytest.approx((happy_v - sad_v) / 2)
    assert mood.spread[5] == 0.0
    assert np.isnan(mood.person_valence[1, 5]) and mood.person_valence[0, 5] == pytest.approx(happy_v)


def test_the_person_seen_longest_comes_first():
    mood = mood_of([person(1, 0, 5, HAPPY), person(2, 0, 30, SAD)], 30)
    assert mood.numbers == [2, 1]


def scene():
    """Six people happy for a minute, then sad; one more angry throughout."""
    persons = [person(n, 0, 120, HAPPY, SAD) for n in range(1, 7)]
    return persons + [person(7, 0, 120, ANGRY)]


def test_highlights_find_the_fall_the_peaks_and_the_person_apart():
    highlights = find_highlights(mood_of(scene(), 120))
    kinds = [h.kind for h in highlights]
    assert kinds.count("fall") == 1 and "rise" not in kinds
    fall = next(h for h in highlights if h.kind == "fall")
    assert 45 <= fall.start_s <= 60 <= fall.end_s <= 75
    assert "happy faces went from 86% to 0% (6 of 7 people, then 0 of 7)" in fall.text
    outlier = next(h for h in highlights if h.kind == "outlier")
    assert outlier.person_number == 7 and outlier.text.startswith("Person 7 differs most from the room")
    peaks = {h.text.split("the most ")[1].split(" ")[0]: h for h in highlights if h.kind == "peak"}
    assert set(peaks) == {"happy", "sad"}  # angry leads for 1 of 7 only, under the 40% threshold
    assert peaks["happy"].start_s < 60 <= peaks["sad"].start_s


def test_no_highlights_with_too_few_faces():
    few = [person(n, 0, 120, HAPPY, SAD) for n in range(1, MIN_FACES)]
    assert find_highlights(mood_of(few, 120)) == []


def test_clock():
    assert clock(65) == "1:05" and clock(3725) == "1:02:05"


def test_coarsen_averages_columns_and_keeps_unseen_runs_empty():
    values = np.array([[1.0, 3.0, np.nan, np.nan, 5.0]])
    assert np.allclose(coarsen(values, 2), [[2.0, np.nan, 5.0]], equal_nan=True)


def test_heatmap_of_50_people_for_an_hour_stays_small():
    rng = np.random.default_rng(3)
    persons = []
    for n in range(1, 51):
        start = rng.uniform(0, 1800)
        t = np.arange(start, start + 1800, 0.2)
        persons.append(PersonSeries(n, t, rng.dirichlet(np.ones(7), size=len(t)), rng.uniform(0.3, 1, len(t))))
    mood = mood_of(persons, 3600)
    figure = persons_heatmap(mood, 3600)
    valence_trace, leading_trace = figure["data"]
    assert values(valence_trace["z"]).shape == (50, HEATMAP_COLUMNS)
    assert len(valence_trace["y"]) == 50 and leading_trace["visible"] is False
    assert len(json.dumps(figure)) < 1_500_000


@pytest.mark.parametrize("people", [1, 3, 50])
def test_heatmap_toggle_is_left_to_the_page_and_one_persons_colour_bar_has_room(people):
    mood = mood_of([person(n, 0, 30, HAPPY) for n in range(1, people + 1)], 30)
    layout = persons_heatmap(mood, 30)["layout"]
    # No Plotly menu (keyboards cannot reach it): the page draws the toggle's buttons (charts.js).
    assert not layout.get("updatemenus")
    assert [option["label"] for option in layout["meta"]["toggle"]["options"]] == ["Valence", "Leading emotion"]
    plot_px = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
    # One person's colour bar (seven emotions in "leading") needs the height.
    assert layout["height"] >= 260 and plot_px >= 150


def test_no_bin_past_the_videos_end():
    # short_hamilton_clip.mp4: the container says 10.008 s (its sound), the last frame is at 9.14 s. Bins
    # rounded up made an 11th, 10-11 s, with no frame in it: drawn at 10.5 s, past the end, as 0 faces.
    duration = 10.008
    seen = PersonSeries(1, np.arange(0, 9.15, 0.2), np.tile(HAPPY, (46, 1)), np.ones(46))
    mood = mood_of([seen], duration)
    assert len(mood.times) == 10 and mood.visible.tolist() == [1] * 10
    # A tail of half a bin or more is a bin of its own, drawn at its middle, still inside the video.
    assert [bin_count(end, 1.0) for end in (2.4, 2.5, 2.6, 0.2)] == [2, 3, 3, 1]
    assert bin_count(3600.5, 3.0) == 1200
    for end in (2.4, 2.6, 10.008, 59.9):
        middles = (np.arange(bin_count(end, 1.0)) + 0.5) * 1.0
        assert middles[-1] <= end
    # The charts draw each bin at its middle, on an axis from 0 to the video's end.
    group, heatmap = group_timeline(mood, duration), persons_heatmap(mood, duration)
    for figure in (group, heatmap):
        for trace in figure["data"]:
            assert values(trace["x"]).max() <= duration
        axes = [axis for axis in figure["layout"] if axis.startswith("xaxis")]
        assert len(axes) == (4 if figure is group else 1)
        assert all(figure["layout"][axis]["range"] == [0, duration] for axis in axes)


def test_a_heatmap_column_of_fewer_bins_sits_at_their_middle():
    # 1001 one-second bins in columns of 4: the last column holds one bin, drawn at 1000.5 s, not 1002 s.
    mood = mood_of([person(1, 0, 1001, HAPPY)], 1001)
    assert len(mood.times) == 1001
    x = values(persons_heatmap(mood, 1001)["data"][0]["x"])
    assert len(x) == 251 and x[0] == 2.0 and x[-1] == 1000.5


def test_attention_is_the_mean_facing_share_of_the_people_seen_with_a_known_pose():
    t = np.arange(0, 4, 0.2)
    turned = np.where(t < 2, 1.0, 0.0)
    turned[(t >= 1) & (t < 1.2)] = np.nan  # one sample without a pose: not counted either way
    always = PersonSeries(1, t, np.tile(HAPPY, (len(t), 1)), np.ones(len(t)), turned)
    half = PersonSeries(2, t, np.tile(SAD, (len(t), 1)), np.ones(len(t)), (np.arange(len(t)) % 2).astype(float))
    unknown = PersonSeries(3, t[:10], np.tile(SAD, (10, 1)), np.ones(10))  # an older run: no poses
    persons = [always, half, unknown]
    bin_s, per_person = person_bins(persons, 4.0)
    facing = facing_bins(persons, bin_s, per_person.shape[1])
    assert facing[0].tolist() == [1.0, 1.0, 0.0, 0.0] and facing[1].tolist() == [0.4, 0.6, 0.4, 0.6]
    assert np.isnan(facing[2]).all()
    mood = group_mood([1, 2, 3], per_person, bin_s, facing)
    assert mood.attention == pytest.approx([0.7, 0.8, 0.2, 0.3])  # person 3, seen in 0-2 s, does not count
    assert mood.person_attention.shape == (3, 4) and np.isnan(mood.person_attention[2]).all()
    assert np.isnan(group_mood([1, 2, 3], per_person, bin_s).attention).all()  # no poses at all


def states_mood(closed_faces: int, faces: int = 6, seconds: float = 20.0, closed_from=5.0, closed_to=12.0):
    """`faces` people talking in 0-5 s (the first two only) whose first `closed_faces` shut their eyes from
    `closed_from` to `closed_to` s; one more person seen without facial measures (an older run's)."""
    t = np.arange(0, seconds, 0.2)
    persons = []
    for n in range(1, faces + 1):
        talking = np.where((t < 5.0) & (n <= 2), 1.0, 0.0)
        closed = np.where((t >= closed_from) & (t < closed_to) & (n <= closed_faces), 1.0, 0.0)
        persons.append(
            PersonSeries(n, t, np.tile(HAPPY, (len(t), 1)), np.ones(len(t)), None, talking=talking, eyes_closed=closed)
        )
    persons.append(PersonSeries(faces + 1, t, np.tile(SAD, (len(t), 1)), np.ones(len(t))))
    bin_s, per_person = person_bins(persons, seconds)
    states = np.array([binned_states(p, bin_s, per_person.shape[1]) for p in persons])
    return group_mood([p.number for p in persons], per_person, bin_s, None, None, states)


def test_the_room_counts_faces_talking_and_with_their_eyes_closed_among_those_measured():
    mood = states_mood(closed_faces=3)
    assert mood.states_known.tolist() == [6] * 20  # the seventh face has no measures
    assert mood.talking.tolist() == [2] * 5 + [0] * 15
    assert mood.eyes_closed.tolist() == [0] * 5 + [3] * 7 + [0] * 8
    chart = group_timeline(mood, 20.0)
    names = [trace.get("name") for trace in chart["data"]]
    assert "talking now" in names and "eyes closed" in names
    assert "talking now" not in [
        trace.get("name") for trace in group_timeline(mood_of([person(1, 0, 5, HAPPY)], 5), 5)["data"]
    ]


def test_a_stretch_of_closed_eyes_is_a_highlight_with_its_count():
    (closed,) = [h for h in find_highlights(states_mood(closed_faces=3)) if h.kind == "eyes-closed"]
    assert (closed.start_s, closed.end_s) == (5.0, 12.0)
    assert closed.text == "0:05-0:12: 3 of 7 faces had their eyes closed"
    # One face of six, or a stretch shorter than 3 s, is no highlight.
    assert not [h for h in find_highlights(states_mood(closed_faces=1)) if h.kind == "eyes-closed"]
    short = states_mood(closed_faces=3, closed_from=5.0, closed_to=7.0)
    assert not [h for h in find_highlights(short) if h.kind == "eyes-closed"]
