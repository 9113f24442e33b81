"""What the training package's command lines share: usage errors and line-by-line output.

Nothing to run: `emotion_training.train` and `emotion_training.evaluate` use these.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence


class UsageError(Exception):
    """A bad option or input, found while running: reported as argparse reports a bad option."""


def run(parser: argparse.ArgumentParser, handle: Callable[[argparse.Namespace], None], argv: Sequence[str] | None):
    """Parse `argv` and run `handle`; a UsageError ends the run with `PROG: error: MESSAGE` on stderr and status 2."""
    options = parser.parse_args(argv)
    try:
        handle(options)
    except UsageError as error:
        parser.error(str(error))


def say(text: str) -> None:
    """Print one line (or a block that already ends in one) and flush it, so that progress shows as it comes."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()
