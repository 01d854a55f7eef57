"""``qgen plot RUN_DIR…``: redraw a run's figures from its log, or overlay several runs."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qgen.cli import CATALOG
from qgen.cli.command import Command, Inputs
from qgen.errors import ConfigError, RunDirectoryError
from qgen.workflow import RunOptions


@dataclass
class _Run:
    path: Path
    command: str
    config: dict[str, Any]
    history: list[dict[str, Any]]
    summary: dict[str, Any]


def _read_run(path: Path) -> _Run:
    """A run's command, config, log and summary (empty for a run that did not finish)."""
    from qgen.load import read_run

    command, config, summary, run_dir = read_run(path)
    history = run_dir.read_log()
    if not history:
        raise RunDirectoryError(f"{path}: the log holds no step yet; nothing to draw")
    return _Run(path, command, config, history, summary or {})


def _handle(inputs: Inputs) -> dict[str, Any]:
    from qgen.run_figures import RunCurves, run_title, tomography_curves, vmc_convergence

    assert inputs.arguments is not None
    if not inputs.arguments.runs:
        raise ConfigError("expected one or more run directories, got none")
    runs = [_read_run(Path(path)) for path in inputs.arguments.runs]
    commands = sorted({run.command for run in runs})
    if len(commands) > 1:
        raise ConfigError(f"qgen plot overlays runs of one kind, got {' and '.join(commands)}")
    out = inputs.run.out
    if out is None and len(runs) > 1:
        raise ConfigError("several runs: give --out DIR for the comparison figure")
    directory = Path(out) if out is not None else runs[0].path
    directory.mkdir(parents=True, exist_ok=True)
    curves = [
        RunCurves(run.path.name, run.history, _exact_energy(run), _final_energy(run))
        for run in runs
    ]
    title = run_title(runs[0].config)
    title = title if len(runs) == 1 else f"{len(runs)} runs: {title}"
    if commands == ["vmc"]:
        figure = directory / ("energy.png" if len(runs) == 1 else "comparison_energy.png")
        vmc_convergence(figure, curves, title)
    else:
        figure = directory / ("nll.png" if len(runs) == 1 else "comparison_nll.png")
        tomography_curves(figure, curves, title)
    files = [str(figure), str(figure.with_suffix(".pdf"))]
    for path in files:
        inputs.log(f"qgen plot: {path}")
    return {"command": "plot", "runs": [str(run.path) for run in runs],
            "run_directory": str(directory), "files": files}  # fmt: skip


def _exact_energy(run: _Run) -> float | None:
    exact = run.summary.get("exact_energy")
    if exact is None:  # an unfinished run: the log carries it
        exact = next((r["exact_energy"] for r in run.history if "exact_energy" in r), None)
    return None if exact is None else float(exact)


def _final_energy(run: _Run) -> tuple[float, float] | None:
    energy = run.summary.get("energy")  # {value, error} in summary.json
    if not isinstance(energy, dict) or energy.get("value") is None:
        return None
    return float(energy["value"]), float(energy["error"] or 0.0)


def _report(result: dict[str, Any]) -> None:
    for path in result["files"]:
        print(path)


@dataclass(frozen=True)
class _PlotCommand(Command):
    """``plot`` reads run directories, not option tables: a list of directories and
    ``--out``, parsed here."""

    def add_parser(self, subparsers: Any) -> None:
        parser = subparsers.add_parser(self.name, help=self.help, description=self.description)
        parser.add_argument("runs", nargs="*", metavar="RUN_DIR", help="run directories")
        parser.add_argument("--out", help="where the figures go (default: the run's own directory)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("-q", "--quiet", action="store_true", help="no messages")
        parser.add_argument("-v", "--verbose", action="store_true", help=argparse.SUPPRESS)
        parser.set_defaults(command=self)

    def gather(self, args: argparse.Namespace) -> Inputs:
        run = RunOptions(out=args.out, json=args.json)
        return Inputs({}, None, run, arguments=args)


COMMAND = _PlotCommand(
    name="plot",
    help=CATALOG["plot"],
    description=(
        "Redraw the figures of a VMC or tomography run from its log.jsonl (PNG and PDF), "
        "or, given several runs, overlay them in one comparison figure in --out."
    ),
    tables=(),
    handler=_handle,
    report=_report,
    run_options=(),  # --out and --json are parsed by _PlotCommand itself
)
