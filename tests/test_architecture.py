"""The rooms' import directions (pyproject.toml's import-linter contracts, docs/architecture.md)."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_import_contract_is_kept():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_the_layers_cover_every_room_of_the_analysis_app():
    """A new sub-package of analysis/ must take its place in the layers, or nothing checks its arrows."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    [layers] = [c["layers"] for c in config["contracts"] if c["type"] == "layers"]
    named = {name.strip() for layer in layers for name in layer.split("|")}
    rooms = {f"analysis.{p.name}" for p in (ROOT / "analysis").iterdir() if (p / "__init__.py").exists()}
    rooms |= {f"analysis.{p.stem}" for p in (ROOT / "analysis").glob("*.py") if p.stem not in {"__init__", "apps"}}
    assert rooms - {"analysis.migrations"} <= named, f"not in the layers: {sorted(rooms - named)}"
