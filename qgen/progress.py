"""The loop the trainers share (VMC iterations, tomography epochs): step, log, checkpoint,
progress bar, callbacks."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from qgen.runs import RunDirectory

__all__ = ["epoch_progress", "progress_bar", "run_loop"]

Record = dict[str, Any]


def progress_bar(total: int, done: int, enabled: bool, unit: str = "it") -> Any:
    """A tqdm bar on stderr counting from ``done`` to ``total``, or None when disabled or
    when nothing is left to do (tqdm is imported only when a bar is drawn)."""
    if not enabled or done >= total:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=done, file=sys.stderr, unit=unit, dynamic_ncols=True)


def epoch_progress(epochs: range, enabled: bool) -> Any:
    """``epochs`` wrapped in a transient tqdm bar on stderr when ``enabled`` (the EBM and
    generative trainers' epoch loops), else ``epochs`` itself."""
    if not enabled:
        return epochs
    from tqdm.auto import tqdm

    return tqdm(epochs, file=sys.stderr, desc="epochs", leave=False)


def run_loop(
    step: Callable[[], Record],
    done: Callable[[], int],
    total: int,
    *,
    state: Callable[[], Mapping[str, Any]],
    run_dir: RunDirectory | None,
    checkpoint_every: int,
    progress: bool,
    postfix: Callable[[Record], str],
    callbacks: Sequence[Callable[[Record], bool | None]] = (),
    finished: Callable[[], bool] = lambda: False,
    unit: str = "it",
) -> list[Record]:
    """Call ``step`` until ``done() == total`` or ``finished()``; return its records.

    With ``run_dir`` each record is appended to the log, and ``state()`` is checkpointed
    every ``checkpoint_every`` steps, when ``finished()`` turns true, and at the end. A
    callback returning False stops the loop after its step.
    """
    records: list[Record] = []
    bar = progress_bar(total, done(), progress and not finished(), unit=unit)
    try:
        while done() < total and not finished():
            record = step()
            records.append(record)
            if run_dir is not None:
                run_dir.append_log(record)
                if done() % checkpoint_every == 0 or finished():
                    run_dir.save_checkpoint(state())
            if bar is not None:
                bar.set_postfix_str(postfix(record), refresh=False)
                bar.update(1)
            if any(callback(record) is False for callback in callbacks):
                break
    finally:
        if bar is not None:
            bar.close()
    if run_dir is not None and records:
        run_dir.save_checkpoint(state())
    return records
