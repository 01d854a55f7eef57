"""Where a result came from: the versions, the machine, the time and the source commit,
recorded in every run's ``summary.json`` so that a number can be traced back."""

from __future__ import annotations

import datetime
import platform
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["provenance"]


def _git_commit() -> str | None:
    """The commit of the qgen source tree, when it is a git checkout (an editable
    install); None for an installed wheel or without git."""
    source = Path(__file__).resolve().parent
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=source,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


def provenance() -> dict[str, Any]:
    """``qgen``, ``torch`` and ``python`` versions, ``host``, ``date`` (UTC, ISO 8601),
    ``torch_threads`` and ``git_commit`` (None outside a checkout)."""
    import torch

    from qgen._version import __version__

    return {
        "qgen": __version__,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "host": platform.node(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "torch_threads": torch.get_num_threads(),
        "git_commit": _git_commit(),
    }
