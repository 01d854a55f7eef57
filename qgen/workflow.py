"""What every trained workflow shares above its driver: the run-level options and the one
:func:`execute` that runs a :class:`Plan` in a run directory.

A workflow (VMC, tomography, CD for classical RBMs, the generative models) is a
``prepare(options) -> Plan`` function: the plan holds the driver, how far to run it, what
to say at the start, and how to turn the log into the summary and the plots.
:func:`execute` then does, the same way for all of them: open the run directory (a fresh
one is never overwritten), refuse a resumed run whose config differs in anything but the
resumable options, restore the checkpoint, write the config, run, summarize, write
``summary.json``, plot.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qgen.distributed import Ranks, current, device_name
from qgen.driver import Driver
from qgen.errors import ConfigError
from qgen.log import LOGGER, log_to_stderr
from qgen.options import Options, option
from qgen.provenance import provenance
from qgen.report import json_report
from qgen.runs import RunDirectory

__all__ = [
    "Plan",
    "RunOptions",
    "default_run_directory",
    "execute",
    "log_nothing",
    "log_to_stderr",
]

Record = dict[str, Any]


@dataclass
class RunOptions(Options):
    """How a command runs, as opposed to what it computes: not part of a run's config."""

    table = "run"

    out: str | None = option(
        None,
        "run directory",
        group="run",
        default_help="runs/<command>-<what>-<date-time>",
    )
    resume: bool = option(
        False, "continue the run in --out with its stored settings", group="run", negatable=False
    )
    threads: int | None = option(
        None,
        "torch CPU threads",
        minimum=1,
        group="run",
        default_help="1 for ebm and generative (small models), else torch's choice",
    )
    device: str = option(
        "auto",
        "where the model and its tensors live: auto (the GPU when CUDA is present), cpu, "
        "cuda or cuda:N; under torchrun each process takes the GPU of its local rank",
        group="run",
    )
    progress: bool | None = option(
        None, "draw a progress bar", group="run", default_help="only on a terminal"
    )
    plots: bool = option(True, "write plots (PNG and PDF) into the run directory", group="run")
    json: bool = option(
        False, "print one JSON object on stdout (logs go to stderr)", negatable=False
    )

    def check(self) -> None:
        if self.resume and self.out is None:
            raise ConfigError("--resume needs --out, the run directory to continue")
        device_name(self.device)  # its form; whether CUDA is present is checked at start


@dataclass
class Plan:
    """A prepared run: its ``driver``, the ``steps`` to run it to, the checkpoint
    interval, the lines to log at the start, ``summarize(history) -> summary`` and an
    optional ``plot(run_dir, history, summary)``; an optional ``save(run_dir) -> fields``
    writes the files a summary names (a reconstructed matrix) and returns those fields."""

    driver: Driver
    steps: int
    checkpoint_every: int = 1
    notes: list[str] = field(default_factory=list)
    summarize: Callable[[list[Record]], dict[str, Any]] = lambda history: {}
    plot: Callable[[RunDirectory, list[Record], dict[str, Any]], None] | None = None
    save: Callable[[RunDirectory], dict[str, Any]] | None = None


def default_run_directory(name: str) -> str:
    """``runs/<name>-<date>-<time>``, with ``-2``, ``-3`` … appended when runs started in
    the same second would otherwise share it."""
    base = Path("runs") / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, number = base, 1
    while path.exists():
        number += 1
        path = base.with_name(f"{base.name}-{number}")
    return str(path)


def execute(
    command: str,
    prepare: Callable[[], Plan],
    tables: Mapping[str, Options | Mapping[str, Any]],
    *,
    out: str | Path | None,
    resume: bool = False,
    progress: bool | None = None,
    plots: bool = True,
    log: Callable[[str], None] = log_to_stderr,
) -> dict[str, Any]:
    """Run the plan that ``prepare()`` makes, in the run directory ``out`` (or in memory
    with ``out=None``); returns the summary, which is also written to ``summary.json``.

    ``tables`` is the resolved configuration (declared options, or plain tables such as
    the system's), written to ``config.toml``; on ``resume`` it must equal the stored one
    but for the options declared resumable, and the driver continues from the checkpoint
    on the same trajectory.
    """
    config = {
        name: table.to_table() if isinstance(table, Options) else dict(table)
        for name, table in tables.items()
    }
    resumable = [
        declaration.key
        for table in tables.values()
        if isinstance(table, Options)
        for declaration in table.declarations()
        if declaration.spec.resumable
    ]
    if resume and out is None:
        raise ConfigError("resuming needs the run directory to continue (out)")
    began = time.perf_counter()
    ranks = current()
    ranks.agree(config, "options")
    LOGGER.debug("qgen %s: options %s", command, config)
    out = ranks.broadcast(None if out is None else str(out))  # a default name has the time
    run_dir: RunDirectory | None = None
    if out is not None:

        def open_run_directory() -> None:
            nonlocal run_dir
            run_dir = RunDirectory(out, resume=resume)

        ranks.on_main(open_run_directory)  # rank 0 alone writes the run directory
    if not ranks.is_main:
        log = log_nothing
    with contextlib.nullcontext() if run_dir is None else run_dir.held():
        return _run(plan_of=prepare, run_dir=run_dir, command=command, config=config,
                    resumable=resumable, resume=resume, progress=progress, plots=plots,
                    log=log, began=began, ranks=ranks)  # fmt: skip


def log_nothing(message: str) -> None:
    """The log of the ranks other than 0 (rank 0 speaks for the run)."""


def _run(
    *,
    plan_of: Callable[[], Plan],
    run_dir: RunDirectory | None,
    command: str,
    config: dict[str, dict[str, Any]],
    resumable: list[str],
    resume: bool,
    progress: bool | None,
    plots: bool,
    log: Callable[[str], None],
    began: float,
    ranks: Ranks,
) -> dict[str, Any]:
    """The body of :func:`execute`, with the run directory held (on rank 0)."""
    if resume:

        def check_config() -> None:
            if run_dir is not None:
                run_dir.check_config(config, resumable)

        ranks.on_main(check_config)
    plan = plan_of()
    driver = plan.driver
    if resume:
        written_by = driver.restore(run_dir)
        where = "" if run_dir is None else f" {run_dir.path}"
        log(f"qgen {command}: resuming{where} at {driver.counter} {driver.steps}")
        if written_by != ranks.world_size:
            log(
                f"qgen {command}: the checkpoint was written by {_processes(written_by)}, "
                f"this run has {ranks.world_size}: the random streams of ranks above 0 and "
                "any Markov chains start afresh (the run continues, on another trajectory)"
            )
    if run_dir is not None:
        run_dir.write_config(config, resumable)
    for note in plan.notes:
        log(f"qgen {command}: {note}")
    start = time.perf_counter()
    records = driver.run(
        plan.steps,
        run_dir=run_dir,
        checkpoint_every=plan.checkpoint_every,
        progress=progress,
    )
    seconds = time.perf_counter() - start
    history = run_dir.read_log() if run_dir is not None else records
    summary: dict[str, Any] = {
        "command": command,
        **plan.summarize(history),
        "seconds_this_session": seconds,
        "steps_this_session": len(records),
        "seconds": time.perf_counter() - began,
        "config": {name: dict(table) for name, table in config.items()},
        "run_directory": None if run_dir is None else str(run_dir.path),
        "world_size": ranks.world_size,
        "device": str(driver.device),
        "provenance": provenance(),
    }
    if run_dir is not None:
        if plan.save is not None:
            summary.update(plan.save(run_dir))
        run_dir.write_summary(json_report(summary))
        if plots and plan.plot is not None and history:
            plan.plot(run_dir, history, summary)
    return summary


def _processes(count: int) -> str:
    return "1 process" if count == 1 else f"{count} processes"
