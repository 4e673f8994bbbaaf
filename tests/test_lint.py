"""The code passes the project's ruff rules (pyproject.toml), so style problems fail the build."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_ruff_finds_nothing():
    folders = ["practice_desk", "local_db", "ui", "tests", "bench", "installers"]
    result = subprocess.run([sys.executable, "-m", "ruff", "check", *folders], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
