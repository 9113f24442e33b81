"""Where the training commands read and write by default: plain paths, no Django settings.

The data paths come from the same environment variables, with the same defaults, as
emotion_site/settings.py (FER2013_PATH, FERPLUS_VOTES_PATH, EMOTION_MODEL), so that a command line
names the same files here as in the app. Nothing to run: the commands import these.
"""

from __future__ import annotations

import os
from pathlib import Path

from analysis.core.emotion_classifier import DEFAULT_MODEL

# The repository root, as settings.BASE_DIR.
REPO_DIR = Path(__file__).resolve().parents[1]
FER2013_PATH = Path(
    os.environ.get("FER2013_PATH", REPO_DIR.parent / "shared" / "data" / "fer2013" / "fer2013_train_publictest.npz")
)
# The FER+ votes, aligned row for row with FER2013_PATH.
FERPLUS_VOTES_PATH = Path(os.environ.get("FERPLUS_VOTES_PATH", FER2013_PATH.parent / "ferplus_votes.npz"))
# The model the app serves, which `emotion_training.evaluate` scores when given no --model.
EMOTION_MODEL = os.environ.get("EMOTION_MODEL", DEFAULT_MODEL)
MODEL_CARD_DOC = REPO_DIR / "docs" / "model-card.md"
