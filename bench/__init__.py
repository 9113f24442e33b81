"""Measurements of the app (bench/README.md). Each is a module, run from the project root with the
project's venv: `.venv/bin/python -m bench.pipeline` (what `make bench` runs), `-m bench.load`, ..."""
