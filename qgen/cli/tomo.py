"""``qgen tomo``: reconstruct a state from measurement data and estimate what was not measured.

::

    qgen tomo --data tfim10/ --model rnn --epochs 50 --out runs/tomo-tfim10
    qgen tomo --data samples.txt --bases bases.txt --format qucumber --model rbm \\
        --target-psi psi.txt --json
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import torch

from qgen.errors import ConfigError
from qgen.runs import CONFIG_FILE, to_json
from qgen.tomography.data import load_measurements
from qgen.tomography.training import METHODS
from qgen.tomography.workflow import SCHEDULES, TOMOGRAPHY_MODELS, TomographyOptions, run_tomography

__all__ = ["add_parser", "run", "tomography_options"]


def add_parser(subparsers: Any, name: str) -> None:
    """Register ``qgen tomo`` and its flags."""
    parser = subparsers.add_parser(
        name,
        help="neural-network state tomography from measurement data",
        description=(
            "Train an RBM, RNN or Transformer wave function on projective measurements "
            "(negative log-likelihood, rotated bases included), then estimate <sx>, <sy> "
            "and the Renyi-2 curve from its samples, and the fidelity with a known target."
        ),
    )
    data = parser.add_argument_group("data")
    data.add_argument(
        "--data",
        required=True,
        help="measurements: an .npz archive, a QuCumber samples file, or a qgen data directory",
    )
    data.add_argument("--bases", help="QuCumber bases file (one line of letters per sample)")
    data.add_argument(
        "--format", choices=("npz", "qucumber"), help="default: by suffix (.npz), else text"
    )
    data.add_argument("--target-psi", help="the exact state (QuCumber psi file: 'Re Im' per line)")
    model = parser.add_argument_group("model")
    model.add_argument("--model", choices=TOMOGRAPHY_MODELS, help="default: rnn")
    model.add_argument(
        "--hidden", type=int, help="RBM hidden units (default N), RNN units / width (32)"
    )
    model.add_argument("--layers", type=int, help="RNN or Transformer layers")
    model.add_argument("--heads", type=int, help="Transformer attention heads; default 4")
    model.add_argument(
        "--phase",
        action=argparse.BooleanOptionalAction,
        help="complex model (phase head / phase RBM); default: unless all data is in Z",
    )
    model.add_argument(
        "--magnetization",
        type=float,
        help="rnn/transformer: project onto this total S^z sector (W state: N/2 - 1)",
    )
    model.add_argument("--dtype", choices=("float32", "float64"), help="default float32")
    training = parser.add_argument_group("training")
    training.add_argument("--epochs", type=int, help="default 100")
    training.add_argument("--batch-size", type=int, help="default 100")
    training.add_argument(
        "--lr", type=float, help="Adam learning rate; default 2e-2 (rbm), 5e-3 (rnn), 1e-3"
    )
    training.add_argument(
        "--lr-schedule", choices=SCHEDULES, help="cosine decay over the epochs (default)"
    )
    training.add_argument("--method", choices=METHODS, help="RBM gradients; default exact if N<=12")
    training.add_argument("--cd-steps", type=int, help="Gibbs steps of CD-k; default 10")
    training.add_argument("--persistent", action="store_true", help="persistent CD chains")
    training.add_argument(
        "--patience", type=int, help="early stopping on the validation NLL; default 20"
    )
    training.add_argument("--no-early-stopping", action="store_true", help="train all epochs")
    training.add_argument(
        "--anneal-depolarization",
        type=float,
        help="train the first --anneal-epochs on data read through a depolarizing channel on "
        "the rotated sites, its strength decreasing from this value (in [0, 1)) to 0; keeps "
        "phases out of local optima (W states); default 0.9 when some data are in X or Y, "
        "0 (off) for z-only data",
    )
    training.add_argument(
        "--anneal-epochs", type=int, help="epochs of that annealing; default half the epochs"
    )
    training.add_argument("--validation-fraction", type=float, help="default 0.1")
    training.add_argument(
        "--estimate-samples", type=int, help="samples for <sx>, <sy>, S2; default 10000"
    )
    run_group = parser.add_argument_group("run")
    run_group.add_argument("--seed", type=int, help="default 0")
    run_group.add_argument("--out", help="run directory (default: runs/tomo-<model>-<date-time>)")
    run_group.add_argument("--resume", action="store_true", help="continue the run in --out")
    run_group.add_argument("--checkpoint-every", type=int, help="epochs between checkpoints")
    run_group.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    run_group.add_argument("--no-progress", action="store_true", help="no progress bar")
    run_group.add_argument("--no-plots", action="store_true", help="do not write PNG plots")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object on stdout (logs go to stderr)"
    )
    parser.set_defaults(run=run)


def tomography_options(
    args: argparse.Namespace, stored: dict[str, Any] | None = None
) -> TomographyOptions:
    """Flags over the stored ``[tomo]`` table (on resume) over the defaults, validated."""
    table: dict[str, Any] = dict(stored or {})
    for name in TomographyOptions.field_names():
        flag = getattr(args, name, None)
        if name == "learning_rate":
            flag = args.lr
        if name == "persistent" and not args.persistent:
            flag = None
        if flag is not None:
            table[name] = flag
    if args.no_early_stopping:
        table["patience"] = None
    unknown = sorted(set(table) - set(TomographyOptions.field_names()))
    if unknown:
        raise ConfigError(f"unknown [tomo] keys {unknown}")
    options = TomographyOptions(**table)
    options.validate()
    return options


def _stored_tables(out: str) -> tuple[dict[str, Any], dict[str, Any]]:
    import tomllib

    path = Path(out) / CONFIG_FILE
    if not path.exists():
        return {}, {}
    stored = tomllib.loads(path.read_text(encoding="utf-8"))
    return dict(stored.get("data", {})), dict(stored.get("tomo", {}))


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    """Load the data, train (or resume), estimate and report; returns the exit code."""
    if args.threads is not None:
        if args.threads < 1:
            raise ConfigError(f"expected a positive number of threads, got {args.threads}")
        torch.set_num_threads(args.threads)
    stored_tomo: dict[str, Any] = {}
    if args.resume:
        if args.out is None:
            raise ConfigError("--resume needs --out, the run directory to continue")
        _, stored_tomo = _stored_tables(args.out)
    options = tomography_options(args, stored_tomo)
    source = {
        "path": str(args.data),
        "bases": None if args.bases is None else str(args.bases),
        "format": args.format or "auto",
        "target_psi": None if args.target_psi is None else str(args.target_psi),
    }
    data = load_measurements(
        args.data, bases=args.bases, psi=args.target_psi, format=args.format or "auto"
    )
    out = args.out or str(Path("runs") / f"tomo-{options.model}-{time.strftime('%Y%m%d-%H%M%S')}")
    summary = run_tomography(
        data,
        options,
        out,
        source=source,
        resume=args.resume,
        progress=not args.no_progress,
        plots=not args.no_plots,
    )
    if args.json:
        print(to_json(summary))
        return 0
    _print_summary(summary)
    return 0


def _value(entry: dict[str, float]) -> str:
    return f"{entry['value']:.5f} ± {entry['error']:.1e}"


def _print_summary(summary: dict[str, Any]) -> None:
    exact = summary["exact"]
    if summary["fidelity"] is not None:
        print(f"fidelity      {summary['fidelity']:.6f}")
    else:
        print("fidelity      unknown (no target state, or N > 20)")
    if summary["nll"] is not None:
        print(
            f"NLL           {summary['nll']:.5f} (validation)   {summary['train_nll']:.5f} (train)"
        )
    for key in ("sx", "sy"):
        line = f"<{key}>          {_value(summary['observables'][key])}"
        if exact is not None:
            line += f"   exact {exact[key]:.5f}"
        print(line)
    for size, entry in summary["renyi2"].items():
        line = f"S2(l={size:>2})     {_value(entry)}"
        if exact is not None:
            line += f"   exact {exact['renyi2'][size]:.5f}"
        print(line)
    stop = ", stopped early" if summary["stopped_early"] else ""
    print(
        f"model         {summary['model']} ({summary['n_parameters']:,} parameters), "
        f"{summary['epochs']} epochs{stop}, {summary['seconds_training']:.1f} s training"
    )
    print(f"run directory {summary['run_directory']}")
