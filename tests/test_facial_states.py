"""Facial measures (analysis/core/facial_states.py) on synthetic landmark sets, and the 68 points on real faces."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from analysis.core import facial_states as fs

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "images"
IOD = 80.0  # the synthetic face's inter-ocular distance, px


def synthetic_face(
    eye_half_height: float = 6.0,
    mouth_gap: float = 0.0,
    brow_lift: float = 0.0,
    brow_pinch: float = 0.0,
    corner_stretch: float = 0.0,
    corner_lift: float = 0.0,
) -> np.ndarray:
    """A frontal face's 68 points (pixels) in iBUG order; each argument moves one feature (pixels)."""
    p = np.zeros((68, 2))
    p[0:17] = [(20 + 10 * i, 100 + 80 * np.sin(np.pi * i / 16)) for i in range(17)]  # jaw
    p[17:22] = [(40 + 10 * i, 70 - brow_lift) for i in range(5)]  # right brow, outer to inner
    p[22:27] = [(120 + 10 * i, 70 - brow_lift) for i in range(5)]  # left brow, inner to outer
    p[21, 0] += brow_pinch
    p[22, 0] -= brow_pinch
    p[27:31] = [(100, 95 + 10 * i) for i in range(4)]  # nose bridge
    p[31:36] = [(90 + 5 * i, 130) for i in range(5)]  # nose base
    h = eye_half_height  # EAR = h / 20: both eyes are 40 px wide
    p[36:42] = [(40, 100), (53, 100 - h), (67, 100 - h), (80, 100), (67, 100 + h), (53, 100 + h)]
    p[42:48] = [(120, 100), (133, 100 - h), (147, 100 - h), (160, 100), (147, 100 + h), (133, 100 + h)]
    s, lift, g = corner_stretch, corner_lift, mouth_gap
    p[48:55] = [(70 - s, 160 - lift), (78, 152), (90, 150), (100, 151), (110, 150), (122, 152), (130 + s, 160 - lift)]
    p[55:60] = [(122, 168 + g), (110, 170 + g), (100, 171 + g), (90, 170 + g), (78, 168 + g)]  # outer lower lip
    p[60:65] = [(75 - s, 160 - lift), (88, 160), (100, 160), (112, 160), (125 + s, 160 - lift)]  # inner upper
    p[65:68] = [(112, 160 + g), (100, 160 + g), (88, 160 + g)]  # inner lower lip
    return p


def rotated(points: np.ndarray, degrees: float) -> np.ndarray:
    angle = np.radians(degrees)
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return (points - 100) @ turn.T + 100


def ear_series(seconds: float, fps: float, closed_spans: list[tuple[float, float]], rng_seed: int = 0):
    """(t, EAR): an open eye (0.30 with landmark jitter) closed (0.06) during each [start, end) span."""
    t = np.arange(0, seconds, 1.0 / fps)
    ear = 0.30 + np.random.default_rng(rng_seed).normal(0, 0.01, len(t))
    for start, end in closed_spans:
        ear[(t >= start - 1e-9) & (t < end - 1e-9)] = 0.06
    return t, ear


def found_closures(t, ear):
    return fs.closures(t, fs.eyes_closed(ear))


# --- one face-sample ---


def test_eye_aspect_ratio_reads_an_open_eye_high_and_a_closed_one_low():
    assert fs.eye_aspect_ratios(synthetic_face(eye_half_height=6)) == pytest.approx((0.30, 0.30))
    assert fs.eye_aspect_ratios(synthetic_face(eye_half_height=1)) == pytest.approx((0.05, 0.05))
    uneven = synthetic_face()
    uneven[38, 1] -= 4  # point 39 (p3) up: only the |p3-p5| gap widens, to 16 px
    assert fs.eye_aspect_ratios(uneven)[0] == pytest.approx((12 + 16) / (2 * 40))


def test_each_eye_is_read_from_its_own_points():
    face = synthetic_face()
    face[[43, 44], 1] += 5  # the left eye's upper lid down: half shut
    right, left = fs.eye_aspect_ratios(face)
    assert right == pytest.approx(0.30) and left < 0.2


def test_mouth_openness_is_the_inner_gap_over_the_mouth_width():
    assert fs.mouth_openness(synthetic_face()) == pytest.approx(0.0)
    assert fs.mouth_openness(synthetic_face(mouth_gap=20)) == pytest.approx(20 / 50)


def test_measures_do_not_change_with_the_face_size_or_a_tilted_head():
    face = synthetic_face(eye_half_height=5, mouth_gap=8, brow_lift=4, corner_lift=3)
    for other in (rotated(face, 20), face * 2.5 + 40):
        assert fs.eye_aspect_ratios(other) == pytest.approx(fs.eye_aspect_ratios(face))
        assert fs.mouth_openness(other) == pytest.approx(fs.mouth_openness(face))
        assert fs.brow_height(other) == pytest.approx(fs.brow_height(face))
        assert fs.smile(other) == pytest.approx(fs.smile(face))


def test_brow_height_rises_with_the_brows_and_not_with_the_eyelids():
    calm = fs.brow_height(synthetic_face())
    assert calm == pytest.approx(30 / IOD)
    assert fs.brow_height(synthetic_face(brow_lift=8)) == pytest.approx(38 / IOD)
    assert fs.brow_height(synthetic_face(eye_half_height=1)) == pytest.approx(calm)  # a blink moves no brow


def test_inner_brow_distance_shrinks_in_a_frown():
    assert fs.inner_brow_distance(synthetic_face()) == pytest.approx(40 / IOD)
    assert fs.inner_brow_distance(synthetic_face(brow_pinch=8)) == pytest.approx(24 / IOD)


def test_smile_grows_with_stretched_and_lifted_corners_more_than_with_an_open_jaw():
    calm = fs.smile(synthetic_face())
    assert fs.smile_width(synthetic_face()) == pytest.approx(60 / IOD)
    assert fs.smile(synthetic_face(corner_stretch=6, corner_lift=6)) - calm == pytest.approx((12 + 6) / IOD)
    assert fs.smile(synthetic_face(mouth_gap=20)) - calm < fs.SMILING  # surprise's jaw drop is no smile


# --- time series ---


def test_eyes_closed_is_judged_against_the_persons_own_open_eye():
    t, ear = ear_series(10, 30, [(3.0, 3.2)])
    narrow_eyes = ear * 0.6  # a face whose open eye reads 0.18: still open
    assert fs.eyes_closed(narrow_eyes).sum() == fs.eyes_closed(ear).sum() == 6
    assert not fs.eyes_closed(np.array([0.3, np.nan, 0.3, 0.3, 0.05]))[1]


def test_a_blink_of_a_fifth_of_a_second_at_30_fps_counts_once():
    t, ear = ear_series(10, 30, [(3.0, 3.2)])
    found = fs.blinks(t, ear)
    assert len(found) == 1
    assert found[0].duration == pytest.approx(0.2)
    assert found[0].start == pytest.approx(3.0 - 1 / 60)
    assert fs.long_closures(found_closures(t, ear)) == []


def test_the_same_blink_counts_once_at_other_rates():
    for fps in (20, 25, 60):
        t, ear = ear_series(10, fps, [(3.0, 3.2)])
        found = fs.blinks(t, ear)
        assert len(found) == 1 and found[0].duration == pytest.approx(0.2, abs=1 / fps)


def test_a_one_frame_dip_from_an_open_eye_is_a_blink_a_squint_that_never_reopens_is_not():
    # The labelled clips' blinks are 1-4 frames near shut at 24 fps (docs/clip-labels.md).
    t, ear = ear_series(10, 24, [(3.0, 3.04)])
    assert len(fs.blinks(t, ear)) == 1
    # Crying: the eyes narrowed for 3 s (0.17-0.23, open 0.30), dipping under 0.7 of open now and then.
    squint = (t >= 5.0) & (t < 8.0)
    ear[squint] = 0.20 + 0.03 * np.sin(np.arange(squint.sum()))
    assert len(fs.closures(t, fs.eyes_closed(ear, fs.BLINK_FRACTION))) > 3  # many short dips
    assert len(fs.blinks(t, ear)) == 1  # only the first one


def test_a_closure_of_15_s_is_eyes_closed_for_a_second_not_a_blink():
    t, ear = ear_series(10, 30, [(4.0, 5.5)])
    found = found_closures(t, ear)
    assert fs.blinks(t, ear) == []
    assert len(fs.long_closures(found)) == 1
    assert fs.long_closures(found)[0].duration == pytest.approx(1.5)


def test_blink_rate_per_minute_counts_the_time_the_face_was_seen():
    t, ear = ear_series(60, 30, [(10, 10.2), (30, 30.3), (50, 50.15)])
    seen = fs.observed_seconds(t)
    assert seen == pytest.approx(60.0, abs=0.05)
    assert fs.blink_rate_per_minute(fs.blinks(t, ear), seen) == pytest.approx(3.0, abs=0.01)
    # the face lost from 20 to 40 s (no samples): 2 blinks in the 40 s seen are 3 a minute, not 2
    kept = (t < 20) | (t >= 40)
    t_lost, ear_lost = t[kept], ear[kept]
    assert fs.observed_seconds(t_lost) == pytest.approx(40.0, abs=0.05)
    assert fs.blink_rate_per_minute(fs.blinks(t_lost, ear_lost), fs.observed_seconds(t_lost)) == (
        pytest.approx(3.0, abs=0.05)
    )
    # a closure right where the face comes back has no open eye before it: not counted as a blink
    assert fs.blinks(t[t >= 50], ear[t >= 50]) == []


def test_a_closure_never_spans_a_gap_in_the_samples():
    t = np.array([0.0, 0.1, 0.2, 0.3, 5.0, 5.1, 5.2])
    closed = np.array([False, False, True, True, True, True, False])
    spans = fs.closures(t, closed)
    assert [(round(c.start, 3), round(c.end, 3)) for c in spans] == [(0.15, 0.35), (4.95, 5.15)]


def test_talking_is_a_moving_mouth_not_a_still_open_one_nor_one_open_frame_nor_a_laugh():
    t = np.arange(0, 6, 1 / 30)
    jitter = np.random.default_rng(1).normal(0, 0.015, len(t))
    speech = 0.2 + 0.2 * np.sin(2 * np.pi * 4 * t) + jitter  # four syllables a second
    held_open = 0.6 + jitter  # surprise or a yawn
    laugh = 0.35 + 0.12 * np.sin(2 * np.pi * 4 * t) + jitter  # "ha-ha-ha": moving, never closing
    assert fs.mouth_movement(t, laugh)[15:-15].min() > fs.TALKING_MOVEMENT
    assert not fs.talking(t, laugh).any()
    closed_one_open_frame = np.abs(jitter)
    closed_one_open_frame[90] = 0.5
    assert fs.talking(t, speech)[15:-15].all()
    assert not fs.talking(t, held_open).any()
    assert not fs.talking(t, closed_one_open_frame).any()


def test_talking_reads_at_5_fps():
    t = np.arange(0, 6, 1 / 5)
    speech = 0.2 + 0.2 * np.sin(2 * np.pi * 1.3 * t)
    assert fs.talking(t, speech)[3:-3].mean() > 0.8
    assert not fs.talking(t, np.full(len(t), 0.5)).any()


def test_brows_raised_and_lowered_against_the_persons_baseline():
    heights = np.array([fs.brow_height(synthetic_face(brow_lift=lift)) for lift in [0] * 20 + [6] * 5 + [-4] * 5])
    inner = np.array([fs.inner_brow_distance(synthetic_face()) for _ in heights])
    states = fs.brow_states(heights, inner)
    assert (states[:20] == 0).all() and (states[20:25] == 1).all() and (states[25:] == -1).all()
    # a frown that pulls the brows together without lowering them
    inner[25:] = [fs.inner_brow_distance(synthetic_face(brow_pinch=5)) for _ in range(5)]
    heights[25:] = heights[0]
    assert (fs.brow_states(heights, inner)[25:] == -1).all()


def test_smiling_against_the_persons_own_median():
    calm, smiling = synthetic_face(), synthetic_face(corner_stretch=8, corner_lift=6)
    scores = np.array([fs.smile(face) for face in [calm] * 15 + [smiling] * 5])
    assert fs.smiling(scores).tolist() == [False] * 15 + [True] * 5


# --- real faces ---


@pytest.fixture(scope="module")
def real_landmarks():
    from analysis.core.face_landmarks import DlibLandmarks68
    from analysis.core.face_models import FaceLocator

    locate, predict = FaceLocator("hog"), DlibLandmarks68()

    def landmarks(name: str):
        image = cv2.imread(str(DATA_DIR / name))
        if image is None:
            pytest.skip(f"test image missing: {DATA_DIR / name}")
        (found,) = locate(image)
        return found.box, predict(image, found.box)

    return landmarks


def test_the_68_points_of_a_real_face_lie_on_its_box_and_read_open_eyes(real_landmarks):
    (x, y, w, h), points = real_landmarks("astronaut.png")
    assert points.shape == (68, 2) and points.dtype == np.float32
    slack = 0.15 * w  # dlib's box cuts the brows' top and the chin: points may pass it a little
    assert (points[:, 0] > x - slack).all() and (points[:, 0] < x + w + slack).all()
    assert (points[:, 1] > y - slack).all() and (points[:, 1] < y + h + slack).all()
    assert points[36:48, 1].mean() < points[48:68, 1].mean()  # eyes above the mouth
    assert all(0.2 < ear < 0.45 for ear in fs.eye_aspect_ratios(points))


def test_five_of_the_68_points_are_where_the_5_point_predictor_puts_its_own(real_landmarks):
    from analysis.core.face_landmarks import five_points
    from analysis.core.face_models import FaceEncoder

    image = cv2.cvtColor(cv2.imread(str(DATA_DIR / "obama.jpg")), cv2.COLOR_BGR2RGB)
    box, points = real_landmarks("obama.jpg")
    encoder = FaceEncoder()
    own = encoder.points(encoder.landmarks(image, box))
    assert np.linalg.norm(five_points(points) - own, axis=1).max() < 0.03 * box[2]


def test_real_posed_faces_surprise_opens_the_mouth_and_happy_smiles(real_landmarks):
    surprise = real_landmarks("surprise_white.jpg")[1]
    happy = real_landmarks("happy_black.jpg")[1]
    angry = real_landmarks("angry_black.jpg")[1]
    assert fs.mouth_openness(surprise) > fs.MOUTH_OPEN
    assert fs.mouth_openness(surprise) > max(fs.mouth_openness(happy), fs.mouth_openness(angry))
    assert fs.smile(happy) > max(fs.smile(surprise), fs.smile(angry)) + fs.SMILING


# --- blinks on the labelled clips, every frame through the pipeline ---

# docs/clip-labels.md, counted frame by frame before any tuning: the frames where the eyes are shut.
BLINK_LABELS = {
    "WolfgangLanger_Pexels.mp4": [(153, 154), (202, 202), (248, 248), (288, 288), (386, 387), (426, 430)],
    "single_face.mp4": [(26, 28)],
}


def blink_frames(name: str) -> tuple[list[tuple[float, float]], float, float]:
    """The blinks found in the clip's one person, as (first, last) frame numbers; their minutes seen; the fps."""
    from analysis.core.executors import LocalExecutor
    from analysis.core.pipeline import analyze_video
    from analysis.core.result_formats import CollectingSink
    from analysis.core.segment_analyzer import AnalyzerConfig
    from analysis.core.video_source import probe

    path = str(DATA_DIR.parent / "videos" / name)
    info, sink = probe(path), CollectingSink()
    analyze_video(path, info, None, LocalExecutor(AnalyzerConfig(threads=1)), sink)
    (person,) = sink.persons
    assert person["facial"]["blink_rate"] is not None  # every frame: blinks are counted
    t = np.array([s["t"] for s in person["samples"]])
    ear = np.array([(s["ear_left"] + s["ear_right"]) / 2 for s in person["samples"]])
    found = [(c.start * info.fps, c.end * info.fps) for c in fs.blinks(t, ear)]
    return found, fs.observed_seconds(t) / 60, info.fps


def test_the_labelled_blinks_are_found_with_at_most_one_false_blink_a_minute():
    labelled = matched = false = 0
    minutes = 0.0
    for name, labels in BLINK_LABELS.items():
        found, seen, _ = blink_frames(name)
        minutes += seen
        used = set()
        for first, last in labels:  # a found blink within 2 frames of a labelled one matches it
            hit = next(
                (i for i, (a, b) in enumerate(found) if i not in used and a - 2 <= last and b + 2 >= first), None
            )
            if hit is not None:
                used.add(hit)
        labelled, matched, false = labelled + len(labels), matched + len(used), false + len(found) - len(used)
    assert matched / labelled >= 0.85, f"{matched} of {labelled} labelled blinks found"
    assert false / minutes <= 1.0, f"{false} false blinks in {minutes:.2f} min"


def test_the_speaker_among_listeners_talks_the_most(tmp_path):
    """The talking check (docs/clip-labels.md): the singer's talking share, at the default 5 fps, is the
    highest of the mosaic's faces by a clear margin; the laughing listener's is not."""
    from analysis.core.executors import LocalExecutor
    from analysis.core.pipeline import analyze_video
    from analysis.core.result_formats import CollectingSink
    from analysis.core.segment_analyzer import AnalyzerConfig
    from analysis.core.video_source import probe
    from bench.room_clip import speaker_mosaic

    path = str(speaker_mosaic(DATA_DIR.parent / "videos", tmp_path / "speaker.avi"))
    sink = CollectingSink()
    analyze_video(path, probe(path), 5.0, LocalExecutor(AnalyzerConfig()), sink)
    singer, listeners = [0.0, 0], []
    for person in sink.persons:
        x, y, w, h = person["samples"][0]["box"]
        measured = sum(s["mouth_open"] is not None for s in person["samples"])
        share = person["facial"]["talking"]
        if x + w / 2 < 640 and y + h / 2 < 360:  # the singer's tile: a loop jump may split him in two
            singer = [singer[0] + share * measured, singer[1] + measured]
        else:
            listeners.append(share)
    assert singer[1] > 0 and len(listeners) >= 4, (singer, listeners)
    assert singer[0] / singer[1] > max(listeners) + 0.1, (singer[0] / singer[1], sorted(listeners))


# --- the FER+ AUC command's arithmetic ---


def test_auc_is_the_chance_a_positive_outscores_a_negative_ties_counting_half():
    from emotion_training.facial_state_auc import auc

    assert auc(np.array([3.0, 4.0]), np.array([1.0, 2.0])) == 1.0
    assert auc(np.array([1.0, 2.0]), np.array([3.0, 4.0])) == 0.0
    assert auc(np.array([1.0, 3.0]), np.array([2.0, 2.0])) == 0.5
    assert auc(np.array([2.0]), np.array([2.0, 1.0])) == 0.75


def test_the_command_rewrites_only_its_block_of_the_document(tmp_path):
    from emotion_training.facial_state_auc import BLOCK_BEGIN, BLOCK_END, write_block

    document = tmp_path / "facial-states.md"
    document.write_text(f"# Title\n\nbefore\n\n{BLOCK_BEGIN}\nold table\n{BLOCK_END}\n\nafter\n")
    write_block(document, "| new | table |")
    assert document.read_text() == f"# Title\n\nbefore\n\n{BLOCK_BEGIN}\n| new | table |\n{BLOCK_END}\n\nafter\n"
