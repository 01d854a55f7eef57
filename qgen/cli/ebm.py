"""``qgen ebm``: a Bernoulli RBM trained by CD-k or PCD on classical Ising configurations."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from qgen.ebm.experiment import DATASETS, EBMExperiment, run_ebm
from qgen.ebm.training import OPTIMIZERS
from qgen.errors import ConfigError
from qgen.runs import to_json

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
    data.add_argument("--dataset", default=d.dataset, help=f"one of {', '.join(DATASETS)}")
    data.add_argument("--size", default=d.size, help=f"Ising lattice (default {d.size})")
    data.add_argument(
        "--temperature", type=float, default=d.temperature, help=f"default {d.temperature}"
    )
    data.add_argument("--samples", type=int, default=d.samples, help="training samples")
    data.add_argument("--test-samples", type=int, default=d.test_samples, help="held-out samples")
    model = parser.add_argument_group("model and training")
    model.add_argument("--hidden", type=int, default=d.hidden, help=f"hidden units ({d.hidden})")
    method = model.add_mutually_exclusive_group()
    method.add_argument(
        "--cd-k", type=int, help=f"CD-k: k Gibbs steps from the data (default CD-{d.cd_k})"
    )
    method.add_argument("--pcd", action="store_true", help="persistent contrastive divergence")
    model.add_argument(
        "--pcd-k", type=int, help="Gibbs steps per PCD update (default 1; needs --pcd)"
    )
    model.add_argument("--epochs", type=int, default=d.epochs)
    model.add_argument("--batch-size", type=int, default=d.batch_size)
    model.add_argument("--learning-rate", type=float, default=d.learning_rate)
    model.add_argument("--optimizer", choices=OPTIMIZERS, default=d.optimizer)
    model.add_argument("--momentum", type=float, default=d.momentum, help="SGD momentum")
    model.add_argument("--weight-decay", type=float, default=d.weight_decay, help="L2 penalty")
    model.add_argument(
        "--symmetric",
        action=argparse.BooleanOptionalAction,
        default=d.symmetric,
        help="tie the biases to the weights: p(v) = p(1 - v), the spin-flip symmetry "
        f"(default {'on' if d.symmetric else 'off'})",
    )
    model.add_argument(
        "--cosine",
        action=argparse.BooleanOptionalAction,
        default=d.cosine,
        help=f"cosine learning-rate decay over the epochs (default {'on' if d.cosine else 'off'})",
    )
    model.add_argument("--seed", type=int, default=d.seed)
    estimate = parser.add_argument_group("estimates")
    estimate.add_argument(
        "--nll-every", type=int, default=d.nll_every, help="epochs between NLL estimates"
    )
    estimate.add_argument("--ais-chains", type=int, default=d.ais_chains)
    estimate.add_argument("--ais-betas", type=int, default=d.ais_betas)
    estimate.add_argument(
        "--model-samples", type=int, default=d.model_samples, help="independent Gibbs chains"
    )
    estimate.add_argument(
        "--gibbs-steps", type=int, default=d.gibbs_steps, help="Gibbs steps per model sample"
    )
    estimate.add_argument("--bins", type=int, default=d.bins, help="histogram bins")
    parser.add_argument("--out", help="run directory (config, log, checkpoint, summary, plots)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object on stdout (logs go to stderr)"
    )
    parser.set_defaults(run=run)


def experiment_from_arguments(args: argparse.Namespace) -> EBMExperiment:
    """The :class:`~qgen.ebm.experiment.EBMExperiment` the flags describe (checked)."""
    if args.pcd_k is not None and not args.pcd:
        raise ConfigError("--pcd-k sets the steps of persistent CD: add --pcd (or use --cd-k)")
    if args.pcd:
        method, k = "pcd", 1 if args.pcd_k is None else args.pcd_k
    else:
        method, k = "cd", _DEFAULTS.cd_k if args.cd_k is None else args.cd_k
    experiment = EBMExperiment(
        dataset=args.dataset,
        size=args.size,
        temperature=args.temperature,
        samples=args.samples,
        test_samples=args.test_samples,
        hidden=args.hidden,
        method=method,
        cd_k=k,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        optimizer=args.optimizer,
        momentum=args.momentum,
        weight_decay=args.weight_decay,
        symmetric=args.symmetric,
        cosine=args.cosine,
        seed=args.seed,
        nll_every=args.nll_every,
        ais_chains=args.ais_chains,
        ais_betas=args.ais_betas,
        model_samples=args.model_samples,
        gibbs_steps=args.gibbs_steps,
        bins=args.bins,
    )
    experiment.check()
    return experiment


def run(args: argparse.Namespace) -> int:
    """Train, estimate, compare, report; returns the exit code."""
    experiment = experiment_from_arguments(args)
    if args.resume and args.out is None:
        raise ConfigError("--resume needs --out, the run directory to continue")
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
