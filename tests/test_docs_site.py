"""The documentation site builds with ``mkdocs build --strict``: every page in the nav,
every link and cross-reference resolved, every docstring rendered without a warning, the
command pages and the API reference generated (docs/gen_pages.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

for module in ("mkdocs", "material", "mkdocstrings_handlers.python"):
    pytest.importorskip(module, reason=f"{module} is not installed (pip install '.[docs]')")


@pytest.mark.slow  # 18.5 s on 2 busy cores (griffe loads all of qgen; mkdocstrings renders it)
def test_the_site_builds_strictly(tmp_path):
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output, output
    from qgen.cli.reference import commands

    for command in commands():
        page = (tmp_path / "commands" / command.name / "index.html").read_text()
        assert f"qgen {command.name}" in page
    for module in ("lattice", "operators", "exact", "models", "vmc", "errors"):
        assert f'id="qgen.{module}.' in (tmp_path / "api" / module / "index.html").read_text()
    assert "Changelog" in (tmp_path / "changelog" / "index.html").read_text()
