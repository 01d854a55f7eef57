"""Shared helpers of the generative benchmarks: a meta line and JSON-lines output."""

from __future__ import annotations

import os
import platform
import sys
from typing import Any

from qgen.provenance import provenance
from qgen.runs import to_json


def meta(script: str, argv: list[str]) -> dict[str, Any]:
    """Machine, date, versions and commit, printed first by every benchmark."""
    origin = provenance()
    return {
        "record": "meta",
        "script": script,
        "argv": argv,
        "date": origin["date"],
        "machine": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "torch_threads": origin["torch_threads"],
        "python": origin["python"],
        "torch": origin["torch"],
        "commit": origin["git_commit"],
    }


def emit(record: dict[str, Any]) -> None:
    """One JSON object on one line of stdout."""
    print(to_json(record), flush=True)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
