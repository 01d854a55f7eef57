"""Load a finished (or interrupted) run back into Python: :func:`load_run`.

A run directory holds ``config.toml`` (the resolved options), ``log.jsonl``,
``checkpoint.pt`` and ``summary.json``. :func:`load_run` rebuilds the system and the
model from the config, exactly as the run built them, loads the checkpoint's parameters
(``weights_only``: no code from the file runs) onto the asked device, and returns them
with the log as a table, as NetKet's ``nk.logging.JsonLog`` files are read back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from qgen.errors import QgenError, RunDirectoryError
from qgen.report import SCHEMA
from qgen.runs import RunDirectory
from qgen.system import System, load_toml

__all__ = ["LoadedRun", "load_run", "read_run"]

_LOADABLE = ("vmc", "tomo")


@dataclass
class LoadedRun:
    """A run read back from its directory.

    Attributes:
        command: ``"vmc"`` or ``"tomo"``.
        path: the run directory.
        config: its resolved option tables (``config.toml``).
        summary: its ``summary.json`` (None for a run that did not finish).
        log: the records of ``log.jsonl``, one dict per step.
        model: the trained model, on the asked device, in eval mode.
        system: the physical system (VMC; None for tomography).
        sampler: the sampler the run drew from (VMC; None for tomography).
        driver: the driver, restored from the checkpoint (to continue in Python).
    """

    command: str
    path: Path
    config: dict[str, dict[str, Any]]
    summary: dict[str, Any] | None
    log: list[dict[str, Any]]
    model: nn.Module
    system: System | None
    sampler: Any
    driver: Any

    def table(self) -> dict[str, np.ndarray]:
        """The log as columns: every key of any record → a float array over the steps,
        NaN where a record lacks the key (non-numeric keys are left out)."""
        keys = dict.fromkeys(k for record in self.log for k in record)
        columns: dict[str, np.ndarray] = {}
        for key in keys:
            values = [record.get(key) for record in self.log]
            if all(v is None or isinstance(v, int | float) for v in values):
                columns[key] = np.array([np.nan if v is None else v for v in values], float)
        return columns


def _read_summary(run_dir: RunDirectory) -> dict[str, Any] | None:
    if not run_dir.summary_path.exists():
        return None
    try:
        summary: dict[str, Any] = json.loads(run_dir.summary_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise RunDirectoryError(f"cannot read {run_dir.summary_path}: {error}") from None
    if summary.get("schema") != SCHEMA:
        version = summary.get("qgen_version") or summary.get("provenance", {}).get("qgen")
        raise RunDirectoryError(
            f"{run_dir.summary_path}: expected a run of schema {SCHEMA}, found "
            f"{summary.get('schema')!r} (written by qgen {version or 'of an unknown version'})"
        )
    return summary


def read_run(
    path: Path,
) -> tuple[str, dict[str, dict[str, Any]], dict[str, Any] | None, RunDirectory]:
    """The command (``vmc`` or ``tomo``), config, summary (None before the run finished)
    and directory of the run at ``path``: what :func:`load_run` and ``qgen plot`` read.

    Raises:
        RunDirectoryError: no run there (no directory, config.toml or checkpoint), a
            summary of another schema, or a run of another kind (mixed-state tomography,
            EBM, generative models: their summary.json and log.jsonl are plain JSON).
    """
    config_path = path / "config.toml"
    if not path.is_dir() or not config_path.exists():
        raise RunDirectoryError(
            f"{path}: expected a run directory (with config.toml and checkpoint.pt), "
            + ("found no directory" if not path.is_dir() else "found no config.toml")
        )
    run_dir = RunDirectory(path, resume=True)  # refuses a directory without a checkpoint
    summary = _read_summary(run_dir)
    config = load_toml(config_path)
    command = next((name for name in _LOADABLE if name in config), None)
    if command is None or (command == "tomo" and config["tomo"].get("mixed")):
        found = "mixed-state tomography" if command else ", ".join(sorted(config)) or "nothing"
        raise RunDirectoryError(
            f"{config_path}: expected a VMC or pure-state tomography run, found {found}; "
            "its summary.json and log.jsonl are plain JSON"
        )
    return command, config, summary, run_dir


def load_run(path: str | Path, device: torch.device | str | None = None) -> LoadedRun:
    """The system, trained model, sampler and log of the VMC or tomography run at ``path``,
    the model on ``device`` (default: the CPU).

    >>> run = load_run("runs/h16")  # doctest: +SKIP
    >>> run.summary["energy"], run.table()["energy"][-10:]  # doctest: +SKIP

    Raises:
        RunDirectoryError: no run there, an unreadable or foreign checkpoint or summary,
            or a run of another command or of an incompatible qgen version.
    """
    path = Path(path)
    command, config, summary, run_dir = read_run(path)
    config_path = path / "config.toml"
    if command == "tomo" and "data" not in config:
        raise RunDirectoryError(
            f"{config_path}: expected a [data] table naming the measurements, found none "
            "(run_tomography was called without source=)"
        )
    where = str(config_path)
    system, sampler = None, None
    driver: Any
    try:
        if command == "vmc":
            from qgen.vmc.options import VMCOptions
            from qgen.vmc.workflow import prepare

            system = System.from_sources((config["system"], f"{where} [system]"))
            options = VMCOptions.from_sources((config["vmc"], f"{where} [vmc]"))
            prepared = prepare(system, options, device)
            driver, model, sampler = prepared.driver, prepared.model, prepared.driver.sampler
        else:
            from qgen.tomography.workflow import (
                DataSourceOptions,
                TomographyOptions,
                load_data,
                plan,
            )

            source = DataSourceOptions.from_sources((config["data"], f"{where} [data]"))
            tomo = TomographyOptions.from_sources((config["tomo"], f"{where} [tomo]"))
            driver = plan(load_data(source), tomo, device).driver
            model = driver.model
        driver.load_state_dict(run_dir.load_checkpoint())
    except QgenError as error:
        raise RunDirectoryError(f"{path}: cannot load the run: {error}") from None
    model.eval()
    return LoadedRun(command, path, config, summary, run_dir.read_log(), model, system,
                     sampler, driver)  # fmt: skip
