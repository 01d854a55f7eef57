"""``qgen ebm``: a Bernoulli RBM trained by CD-k or PCD on classical Ising configurations."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from qgen.ebm.experiment import DATASETS, OPTIMIZERS, EBMExperiment, run_ebm
from qgen.errors import ConfigError
from qgen.runs import CONFIG_FILE, to_json

__all__ = ["add_parser", "run"]

_DEFAULTS = EBMExperiment()


def add_parser(subparsers: Any, name: str) -> None:
    """Register ``qgen ebm`` and its flags."""
    parser = subparsers.add_parser(
        name,
        help="train a Bernoulli RBM (CD-k / PCD) on 2D Ising data; NLL by AIS, histograms",
        description=(
            "Train a Bernoulli RBM on Monte Carlo samples of the classical 2D Ising model by "
            "contrastive divergence (CD-k) or persistent CD, estimate the held-out NLL with "
            "log Z from annealed importance sampling (exact for small models), and compare "
            "the energy and magnetization histograms of the model's samples with the data's."
        ),
    )
    d = _DEFAULTS
    data = parser.add_argument_group("data")
    data.add_argument("--dataset", help=f"one of {', '.join(DATASETS)}")
    data.add_argument("--size", help=f"Ising lattice (default {d.size})")
    data.add_argument("--temperature", type=float, help=f"default {d.temperature}")
    data.add_argument("--samples", type=int, help=f"training samples ({d.samples})")
    data.add_argument("--test-samples", type=int, help=f"held-out samples ({d.test_samples})")
    model = parser.add_argument_group("model and training")
    model.add_argument("--hidden", type=int, help=f"hidden units ({d.hidden})")
    method = model.add_mutually_exclusive_group()
    method.add_argument(
        "--cd-k", type=int, help=f"CD-k: k Gibbs steps from the data (default CD-{d.cd_k})"
    )
    method.add_argument("--pcd", action="store_true", help="persistent contrastive divergence")
    model.add_argument(
        "--pcd-k", type=int, help="Gibbs steps per PCD update (default 1; needs --pcd)"
    )
    model.add_argument("--epochs", type=int, help=f"default {d.epochs}")
    model.add_argument("--batch-size", type=int, help=f"default {d.batch_size}")
    model.add_argument("--learning-rate", type=float, help=f"default {d.learning_rate}")
    model.add_argument("--optimizer", choices=OPTIMIZERS, help=f"default {d.optimizer}")
    model.add_argument("--momentum", type=float, help="SGD momentum")
    model.add_argument("--weight-decay", type=float, help="L2 penalty")
    model.add_argument(
        "--symmetric",
        action=argparse.BooleanOptionalAction,
        help="tie the biases to the weights: p(v) = p(1 - v), the spin-flip symmetry "
        f"(default {'on' if d.symmetric else 'off'})",
    )
    model.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        help="show each training minibatch under random lattice translations, rotations "
        f"and reflections (default {'on' if d.augment else 'off'})",
    )
    model.add_argument(
        "--cosine",
        action=argparse.BooleanOptionalAction,
        help=f"cosine learning-rate decay over the epochs (default {'on' if d.cosine else 'off'})",
    )
    model.add_argument("--seed", type=int, help=f"default {d.seed}")
    estimate = parser.add_argument_group("estimates")
    estimate.add_argument("--nll-every", type=int, help="epochs between NLL estimates")
    estimate.add_argument("--ais-chains", type=int, help=f"default {d.ais_chains}")
    estimate.add_argument("--ais-betas", type=int, help=f"default {d.ais_betas}")
    estimate.add_argument("--model-samples", type=int, help="independent Gibbs chains")
    estimate.add_argument("--gibbs-steps", type=int, help="Gibbs steps per model sample")
    estimate.add_argument("--bins", type=int, help="histogram bins")
    parser.add_argument("--out", help="run directory (config, log, checkpoint, summary, plots)")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue the run in --out with its stored settings (flags given must match them)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object on stdout (logs go to stderr)"
    )
    parser.set_defaults(run=run)


_NOT_FLAGS = ("method", "cd_k", "exact_up_to")
_FLAGS = tuple(field.name for field in fields(EBMExperiment) if field.name not in _NOT_FLAGS)
"""Flags named as the :class:`EBMExperiment` field they set (CD-k and PCD are set apart)."""


def stored_experiment(out: str) -> dict[str, Any]:
    """The ``[ebm]`` table of the run directory's ``config.toml`` (empty if none)."""
    import tomllib

    path = Path(out) / CONFIG_FILE
    if not path.exists():
        return {}
    return dict(tomllib.loads(path.read_text(encoding="utf-8")).get("ebm", {}))


def experiment_from_arguments(
    args: argparse.Namespace, stored: dict[str, Any] | None = None
) -> EBMExperiment:
    """The :class:`~qgen.ebm.experiment.EBMExperiment` the flags describe (checked): the
    flags given, over the ``stored`` settings of a resumed run, over the defaults."""
    if args.pcd_k is not None and not args.pcd:
        raise ConfigError("--pcd-k sets the steps of persistent CD: add --pcd (or use --cd-k)")
    table: dict[str, Any] = asdict(_DEFAULTS)
    unknown = sorted(set(stored or {}) - set(table))
    if unknown:
        raise ConfigError(f"unknown [ebm] keys {unknown} in the stored config")
    table.update(stored or {})
    table.update({name: getattr(args, name) for name in _FLAGS if getattr(args, name) is not None})
    if args.pcd:
        table["method"], table["cd_k"] = "pcd", 1 if args.pcd_k is None else args.pcd_k
    elif args.cd_k is not None:
        table["method"], table["cd_k"] = "cd", args.cd_k
    experiment = EBMExperiment(**table)
    experiment.check()
    return experiment


def run(args: argparse.Namespace) -> int:
    """Train, estimate, compare, report; returns the exit code."""
    if args.resume and args.out is None:
        raise ConfigError("--resume needs --out, the run directory to continue")
    stored = stored_experiment(args.out) if args.resume else None
    experiment = experiment_from_arguments(args, stored)
    method = "PCD" if experiment.method == "pcd" else "CD"
    print(
        f"qgen ebm: RBM with {experiment.hidden} hidden units, {method}-{experiment.cd_k}, "
        f"on {experiment.size} Ising at T = {experiment.temperature:g}, {experiment.samples} "
        f"samples, {experiment.epochs} epochs, seed {experiment.seed}",
        file=sys.stderr,
        flush=True,
    )
    summary = run_ebm(experiment, args.out, resume=args.resume, progress=sys.stderr.isatty())
    if args.json:
        print(to_json(summary))
        return 0
    print(json.dumps(json.loads(to_json(summary)), indent=2))
    return 0
