import numpy as np
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from analysis.core.emotions import EMOTIONS
from analysis.core.time_left import seconds_left
from analysis.core.valence import CALM_RAW


class RunCancelled(Exception):
    """The run was cancelled (or failed by the reaper) while it was processing."""


class AnalysisRun(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for your other analyses"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Processing"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    # In the queue or on a worker: what the owner's USER_MAX_ACTIVE_RUNS counts. A waiting run (an
    # upload past the cap) is not enqueued until one of these ends (analysis.runs.launch).
    IN_FLIGHT = (Status.QUEUED, Status.RUNNING)
    ACTIVE = (Status.WAITING, *IN_FLIGHT)

    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    sample_fps = models.FloatField(null=True, blank=True, help_text="Empty: every frame")
    detector = models.CharField(max_length=32)
    model = models.CharField(max_length=100)
    rq_job_id = models.CharField(max_length=64, blank=True)
    frames_total = models.PositiveIntegerField(default=0)
    frames_done = models.PositiveIntegerField(default=0)
    persons_count = models.PositiveIntegerField(default=0)
    # Persons erased from these results (results/person_erasure.py): a blurred copy made now would not
    # know where their faces were, so none is made while the source still shows them.
    erased_persons = models.PositiveIntegerField(default=0)
    faces_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the latest progress report came, and the speed measured from the reports (samples a
    # second, core/time_left.py): the time left.
    progress_at = models.DateTimeField(null=True, blank=True)
    progress_speed = models.FloatField(null=True, blank=True)
    # Ended (succeeded or failed) since its owner last opened the video's page: the notice on every
    # page (pages/finished_notice.py) tells them.
    finish_unseen = models.BooleanField(default=False, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Run {self.pk} of video {self.video_id} ({self.status})"

    @classmethod
    def shown_for(cls, video) -> "AnalysisRun | None":
        """The run whose results a video shows: its newest succeeded one, even if a newer run failed."""
        return video.runs.filter(status=cls.Status.SUCCEEDED).order_by("-created_at", "-id").first()

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        return int(100 * self.frames_done / self.frames_total) if self.frames_total else 0

    @property
    def eta_s(self) -> float | None:
        """Seconds left, from the speed measured between progress reports (core/time_left.py)."""
        if self.status != self.Status.RUNNING or not self.progress_at:
            return None
        since = (timezone.now() - self.progress_at).total_seconds()
        return seconds_left(self.progress_speed, self.frames_done, self.frames_total, since)

    @property
    def progress_detail(self) -> str:
        """What an active run's progress says: never "0 / 0" before the frames to analyse are known."""
        if self.status != self.Status.RUNNING:  # its status label says the rest
            return "Waiting for a worker" if self.status == self.Status.QUEUED else ""
        if not self.frames_total:
            return "Starting"
        if not self.frames_done:
            return f"{self.frames_total} frames to analyse"
        return f"{self.frames_done} / {self.frames_total} frames"

    @property
    def duration_s(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class Person(models.Model):
    """One person of one run. While a run is processing, rows are its provisional tracks."""

    run = models.ForeignKey(AnalysisRun, on_delete=models.CASCADE, related_name="persons")
    track_key = models.PositiveIntegerField()
    number = models.PositiveIntegerField(null=True, blank=True, help_text="1-based, by first appearance")
    first_s = models.FloatField(default=0)
    last_s = models.FloatField(default=0)
    sample_count = models.PositiveIntegerField(default=0)
    dominant = models.CharField(max_length=16, blank=True)
    # From the smoothed, quality-weighted samples (core/emotion_summary.py): the mean probability
    # and the share of samples each emotion leads, per emotion.
    mean = models.JSONField(default=dict, blank=True)
    shares = models.JSONField(default=dict, blank=True)
    thumbnail_jpeg = models.BinaryField(blank=True, default=b"")
    # Identity review (results/identity_edits.py): a name the user gives, and hiding a false face (its samples stay).
    name = models.CharField(max_length=80, blank=True)
    hidden = models.BooleanField(default=False)
    # Mean valence of the smoothed samples (core/valence.py), and the share of samples facing the camera
    # (core/head_pose.py).
    valence = models.FloatField(null=True, blank=True)
    # The share of samples whose head was pitched down (core/valence.py: they weigh less); None: pitch unknown.
    looking_down = models.FloatField(null=True, blank=True)
    # A calm stretch the user chose for this person: their valence's zero (core/valence.py); null: the app's
    # estimate from their neutral moments.
    calm_from_s = models.FloatField(null=True, blank=True)
    calm_to_s = models.FloatField(null=True, blank=True)
    attention = models.FloatField(null=True, blank=True)
    # Their facial states summed up (core/facial_summary.py: eyes closed, blinks, talking, smiling, brows);
    # null where not measured (runs from before the facial measures, or faces too small).
    facial = models.JSONField(null=True, blank=True)
    # The mean identity encoding (128 float32): studies suggest the same participant across videos.
    encoding = models.BinaryField(blank=True, default=b"")

    class Meta:
        ordering = ["run", "number"]
        constraints = [models.UniqueConstraint(fields=["run", "track_key"], name="unique_track_per_run")]

    def __str__(self) -> str:
        return f"Person {self.number} (run {self.run_id})"

    @property
    def calm_stretch(self) -> tuple[float, float] | None:
        """The calm stretch the user chose, (from_s, to_s); None: the app's estimate."""
        if self.calm_from_s is None or self.calm_to_s is None:
            return None
        return (self.calm_from_s, self.calm_to_s)

    @property
    def label(self) -> str:
        return f"{self.name} (person {self.number})" if self.name else f"Person {self.number}"


class Sample(models.Model):
    """One face of one person at one analysed frame: box and the 7 probabilities."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="samples")
    t = models.FloatField()
    frame = models.PositiveIntegerField()
    x = models.IntegerField()
    y = models.IntegerField()
    w = models.IntegerField()
    h = models.IntegerField()
    angry = models.FloatField()
    disgust = models.FloatField()
    fear = models.FloatField()
    happy = models.FloatField()
    sad = models.FloatField()
    surprise = models.FloatField()
    neutral = models.FloatField()
    quality = models.FloatField(default=1.0, help_text="face quality, 0.05-1 (core/face_quality.py)")
    # Head pose in degrees (core/head_pose.py): yaw positive to the image's right, pitch positive
    # up. Empty for samples from before poses were measured.
    yaw = models.FloatField(null=True, blank=True)
    pitch = models.FloatField(null=True, blank=True)
    # The facial measures (core/face_measures.py, docs/facial-states.md), from the 68 landmarks. Empty for a
    # face too small for landmarks and for samples from before they were measured.
    ear_left = models.FloatField(null=True, blank=True, help_text="the person's left eye's aspect ratio")
    ear_right = models.FloatField(null=True, blank=True, help_text="the person's right eye's aspect ratio")
    mouth_open = models.FloatField(null=True, blank=True, help_text="inner-lip gap / inner-mouth width")
    brow_height = models.FloatField(null=True, blank=True, help_text="brows above the eye line, in eye distances")
    brow_inner = models.FloatField(null=True, blank=True, help_text="inner brow ends apart, in eye distances")
    smile = models.FloatField(null=True, blank=True, help_text="lip-corner stretch + lift, in eye distances")

    class Meta:
        ordering = ["person", "t"]
        indexes = [models.Index(fields=["person", "t"])]

    def __str__(self) -> str:
        return f"Person {self.person_id} at {self.t:.2f} s"

    @property
    def probabilities(self) -> list[float]:
        return [getattr(self, name) for name in EMOTIONS]


class RunTimeline(models.Model):
    """Every person's smoothed emotions on one time grid (core/group_mood.py), made once when a run completes.

    The group charts, the heatmap and the highlights read this one row instead of every sample.
    """

    run = models.OneToOneField(AnalysisRun, on_delete=models.CASCADE, related_name="timeline")
    bin_s = models.FloatField()
    numbers = models.JSONField(help_text="person numbers, in the order of the array's rows")
    bins = models.PositiveIntegerField()
    probabilities = models.BinaryField(help_text="float16 (persons, bins, 7); NaN where a person was not seen")
    facing = models.BinaryField(
        default=b"", help_text="float16 (persons, bins): share of samples facing the camera; NaN where unknown"
    )
    states = models.BinaryField(
        default=b"",
        help_text="float16 (persons, bins, 2): share of samples talking, with the eyes closed; NaN where not measured",
    )
    # The room's series and totals (core/group_mood.py), so that a study reads a few KB per video.
    room_valence = models.BinaryField(default=b"", help_text="float16 (bins,); NaN where nobody was seen")
    room_attention = models.BinaryField(default=b"", help_text="float16 (bins,); NaN where unknown")
    summary = models.JSONField(default=dict, help_text="persons, seen_s, valence, attention, shares")

    def __str__(self) -> str:
        return f"Timeline of run {self.run_id}: {len(self.numbers)} persons x {self.bins} bins of {self.bin_s:g} s"

    def array(self) -> np.ndarray:
        shape = (len(self.numbers), self.bins, len(EMOTIONS))
        return np.frombuffer(bytes(self.probabilities), dtype=np.float16).reshape(shape).astype(np.float64)

    def calm_levels(self) -> np.ndarray:
        """(persons,) each person's calm level on the raw valence scale (core/valence.py); the population's
        for timelines made before calm levels were kept."""
        stored = self.summary.get("calm") or [CALM_RAW] * len(self.numbers)
        return np.asarray(stored, dtype=float)

    def facing_array(self) -> np.ndarray:
        """(persons, bins); all NaN for timelines made before poses were measured."""
        shape = (len(self.numbers), self.bins)
        if not self.facing:
            return np.full(shape, np.nan)
        return np.frombuffer(bytes(self.facing), dtype=np.float16).reshape(shape).astype(np.float64)

    def states_array(self) -> np.ndarray:
        """(persons, bins, 2): talking and eyes-closed shares; all NaN for timelines made before they were kept."""
        shape = (len(self.numbers), self.bins, 2)
        if not self.states:
            return np.full(shape, np.nan)
        return np.frombuffer(bytes(self.states), dtype=np.float16).reshape(shape).astype(np.float64)


class Marker(models.Model):
    """A labelled moment of a video ("slide 4", "question 2"): drawn on every chart, summarised, exported."""

    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="markers")
    t = models.FloatField(help_text="seconds from the start")
    label = models.CharField(max_length=120)

    class Meta:
        ordering = ["video", "t", "id"]

    def __str__(self) -> str:
        return f"{self.label} at {self.t:g} s"


class Study(models.Model):
    """A set of the owner's videos compared together, each with the study's variables (condition, week...)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="studies")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    videos = models.ManyToManyField("videos.Video", through="StudyVideo", related_name="studies")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="unique_study_name_per_owner")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("studies:detail", args=[self.pk])


class StudyVariable(models.Model):
    """A column of the study's video table: its name is also the CSV header and the export's column."""

    class Kind(models.TextChoices):
        TEXT = "text", "Text (a condition, a group)"
        NUMBER = "number", "Number (a week, a dose)"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="variables")
    name = models.CharField(max_length=40)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.TEXT)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["study", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["study", "name"], name="unique_variable_per_study")]

    def __str__(self) -> str:
        return self.name


class StudyVideo(models.Model):
    """A video in a study, with its values of the study's variables ({name: text or number})."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="memberships")
    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="study_memberships")
    values = models.JSONField(default=dict, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["study", "id"]
        constraints = [models.UniqueConstraint(fields=["study", "video"], name="unique_video_per_study")]

    def __str__(self) -> str:
        return f"{self.video} in {self.study}"


class ParticipantLabel(models.Model):
    """The study's name for a person of one video ("P07"): the same label across videos is one participant."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="participant_labels")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="participant_labels")
    label = models.CharField(max_length=80)

    class Meta:
        ordering = ["study", "label", "id"]
        constraints = [models.UniqueConstraint(fields=["study", "person"], name="unique_label_per_person")]

    def __str__(self) -> str:
        return f"{self.label}: {self.person}"


class BlurredCopy(models.Model):
    """A copy of a video with every tracked face blurred (but the persons chosen to stay visible),
    made by a background job from the video's shown results; kept in the same storage as videos."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Blurring"
        SUCCEEDED = "succeeded", "Ready"
        FAILED = "failed", "Failed"

    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="blurred_copies")
    run = models.ForeignKey(AnalysisRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    keep_visible = models.JSONField(default=list, blank=True, help_text="person numbers left unblurred")
    file = models.FileField(upload_to="blurred/", max_length=500, blank=True)
    frames_done = models.PositiveIntegerField(default=0)
    frames_total = models.PositiveIntegerField(default=0)
    rq_job_id = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Blurred copy {self.pk} of video {self.video_id} ({self.status})"


class SessionLink(models.Model):
    """A participant session link of a study: whoever has its URL may consent, pass a camera check and be
    recorded while the stimulus (one of the owner's videos) plays, until it is paused, revoked, full or past
    `open_until` (docs/participant-sessions.md)."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        PAUSED = "paused", "Paused"
        REVOKED = "revoked", "Revoked"

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="session_links")
    name = models.CharField(max_length=120)
    # The researcher may delete the stimulus video: the link then closes, its recordings and their responses stay.
    stimulus = models.ForeignKey("videos.Video", null=True, on_delete=models.SET_NULL, related_name="+")
    stimulus_duration_s = models.FloatField(help_text="the stimulus' duration, kept should the video be deleted")
    token = models.CharField(max_length=64, unique=True, help_text="the link's secret: unguessable, never reused")
    consent_text = models.TextField()
    consent_version = models.PositiveIntegerField(default=1, help_text="raised whenever the consent text changes")
    max_recordings = models.PositiveIntegerField(default=50)
    open_until = models.DateTimeField(null=True, blank=True, help_text="empty: until paused or revoked")
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.study})"


class SessionRecording(models.Model):
    """One participant's visit of a session link: their consent as they saw it, their recording (an upload,
    then a video of the study's owner) and where the stimulus started and ended in it."""

    class State(models.TextChoices):
        CONSENTED = "consented", "Consented, not recording yet"
        RECORDING = "recording", "Recording"
        FINISHING = "finishing", "Being stored"
        UPLOADED = "uploaded", "Recorded"
        PARTIAL = "partial", "Partial: the participant left before the end"
        EMPTY = "empty", "Left before anything was recorded"
        FAILED = "failed", "The recording could not be read"
        WITHDRAWN = "withdrawn", "Withdrawn: erased"

    link = models.ForeignKey(SessionLink, on_delete=models.CASCADE, related_name="recordings")
    participant_code = models.CharField(max_length=40)
    key = models.CharField(max_length=64, unique=True, help_text="the participant's pages' secret")
    withdrawal_code = models.CharField(max_length=32, unique=True)
    consent_text = models.TextField(help_text="the text the participant read and accepted")
    consent_version = models.PositiveIntegerField()
    consented_at = models.DateTimeField()
    camera_checked_at = models.DateTimeField(null=True, blank=True, help_text="when the camera check passed")
    state = models.CharField(max_length=10, choices=State.choices, default=State.CONSENTED)
    upload = models.ForeignKey(
        "videos.PartialUpload", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    video = models.ForeignKey(
        "videos.Video", null=True, blank=True, on_delete=models.SET_NULL, related_name="session_recordings"
    )
    stimulus_start_s = models.FloatField(null=True, blank=True, help_text="in the recording's time (the player's)")
    stimulus_end_s = models.FloatField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["link", "consented_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["link", "participant_code"], name="unique_participant_code_per_link")
        ]

    def __str__(self) -> str:
        return f"{self.participant_code} of {self.link}"
