"""Shared helpers of the generative benchmarks: a meta line and JSON-lines output."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import torch

from qgen.runs import to_json


def meta(script: str, argv: list[str]) -> dict[str, Any]:
    """Machine, date, versions and commit, printed first by every benchmark."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).resolve().parent,  # the repository's commit from any directory
        ).stdout.strip()
    except OSError:
        commit = None
    return {
        "record": "meta",
        "script": script,
        "argv": argv,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "commit": commit,
    }


def emit(record: dict[str, Any]) -> None:
    """One JSON object on one line of stdout."""
    print(to_json(record), flush=True)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
