"""``qgen generative``: train a flow, GAN, VAE or autoencoder on a toy or Ising dataset."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from qgen.generative.experiment import DATASETS, FLOWS, MODELS, Experiment, run_experiment
from qgen.runs import to_json

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any, name: str) -> None:
    """Register ``qgen generative`` and its flags."""
    parser = subparsers.add_parser(
        name,
        help="train a flow, GAN, VAE or autoencoder on 2D toy or Ising data",
        description=(
            "Train a generative model on seeded samples of a dataset, select it on held-out "
            "data, and report held-out figures (test NLL, energy distance, mode coverage)."
        ),
    )
    parser.add_argument("model", choices=MODELS, help="flow, gan, vae or ae")
    parser.add_argument(
        "--dataset", default="moons", help=f"one of {', '.join(DATASETS)} (default moons)"
    )
    parser.add_argument("--size", default="16x16", help="Ising lattice, e.g. 16x16")
    parser.add_argument("--temperature", type=float, default=2.5, help="Ising temperature")
    parser.add_argument("--samples", type=int, default=20_000, help="training samples")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--learning-rate", type=float, help="default: 1e-3 (2e-4 for GANs)")
    parser.add_argument("--patience", type=int, default=20, help="early-stopping patience")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--flow", choices=FLOWS, default="spline", help="default spline")
    parser.add_argument(
        "--transforms", type=int, help="flow layers (default 8 RealNVP, 5 MAF, 4 spline)"
    )
    parser.add_argument("--hidden", type=int, default=128, help="hidden width")
    parser.add_argument("--latent", type=int, help="latent dimension (default 2; GAN 8)")
    parser.add_argument("--gan-loss", choices=("nonsaturating", "wgan-gp"), default="nonsaturating")
    parser.add_argument(
        "--cosine", action="store_true", help="cosine learning-rate decay over the epochs"
    )
    parser.add_argument("--out", help="run directory (config, log, checkpoint, plots)")
    parser.add_argument("--resume", action="store_true", help="continue the run in --out")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object on stdout (logs go to stderr)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Train, evaluate, report; returns the exit code."""
    experiment = Experiment(
        model=args.model,
        dataset=args.dataset,
        size=args.size,
        temperature=args.temperature,
        samples=args.samples,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        patience=args.patience,
        seed=args.seed,
        flow=args.flow,
        transforms=args.transforms,
        hidden=args.hidden,
        latent=args.latent,
        gan_loss=args.gan_loss,
        cosine=args.cosine,
    )
    experiment.check()
    if args.resume and args.out is None:
        from qgen.errors import ConfigError

        raise ConfigError("--resume needs --out, the run directory to continue")
    print(
        f"qgen generative: {args.model} on {args.dataset}, {args.samples} samples, "
        f"up to {args.epochs} epochs, seed {args.seed}",
        file=sys.stderr,
        flush=True,
    )
    summary = run_experiment(experiment, args.out, resume=args.resume, progress=sys.stderr.isatty())
    if args.json:
        print(to_json(summary))
        return 0
    print(json.dumps(json.loads(to_json(summary)), indent=2))
    return 0
