"""The progress bar of the training loops (VMC iterations, tomography epochs)."""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["progress_bar"]


def progress_bar(total: int, done: int, enabled: bool, unit: str = "it") -> Any:
    """A tqdm bar on stderr counting from ``done`` to ``total``, or None when disabled or
    when nothing is left to do (tqdm is imported only when a bar is drawn)."""
    if not enabled or done >= total:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=done, file=sys.stderr, unit=unit, dynamic_ncols=True)
