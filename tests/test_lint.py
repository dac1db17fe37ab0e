"""The code passes the project's linter (ruff, configured in pyproject.toml), so the README's test
command (and CI, which runs exactly it) keeps it clean."""
import subprocess
import sys

from conftest import ROOT


def test_ruff_finds_nothing():
    check = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", str(ROOT)],
                           cwd=ROOT, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
