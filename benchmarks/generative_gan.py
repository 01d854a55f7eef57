"""GAN on the eight Gaussians: mode coverage and energy distance.

Targets (issue 7): all 8 modes covered, i.e. at least 95 % of samples within 3σ of a
mode centre and every mode holding at least 5 % of the samples. Reported for the
non-saturating loss and for WGAN-GP, with the energy distance to held-out data beside
the two-halves baseline.

The settings are those of ``qgen generative gan --dataset gaussians --gan-loss LOSS``
(100 epochs, no early stopping, the epoch of the lowest held-out energy distance kept,
Adam 1e-3, 5e-4 for WGAN-GP); ``--seeds`` runs several data and model seeds.

Usage::

    python benchmarks/generative_gan.py
    python benchmarks/generative_gan.py --losses nonsaturating --seeds 0 1 2 3 4
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import torch
from _generative_common import emit, log, meta

from qgen.generative.experiment import GenerativeOptions, run_experiment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--losses", nargs="+", default=["nonsaturating", "wgan-gp"])
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--out", help="keep the run directories (plots) under this folder")
    args = parser.parse_args()
    torch.set_num_threads(1)
    emit(meta("generative_gan.py", sys.argv[1:]))
    root = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="qgen-gan-"))
    for loss, seed in ((loss, seed) for loss in args.losses for seed in args.seeds):
        log(f"GAN ({loss}, seed {seed}) on gaussians ...")
        experiment = GenerativeOptions(
            model="gan",
            dataset="gaussians",
            gan_loss=loss,
            samples=args.samples,
            epochs=args.epochs,
            seed=seed,
        )
        summary = run_experiment(experiment, root / f"gan-{loss}-{seed}", progress=False)
        coverage, distance = summary["mode_coverage"], summary["energy_distance"]
        emit(
            {
                "record": "gan",
                "loss": loss,
                "seed": seed,
                "fraction_within_3_sigma": coverage["fraction_near"],
                "mode_fractions": coverage["mode_fractions"],
                "modes_covered": coverage["modes_covered"],
                "all_8_covered": coverage["all_covered"],
                "energy_distance": distance["value"],
                "halves_baseline": distance["halves_baseline"],
                "halves_baseline_std": distance["halves_baseline_std"],
                "epochs": summary["epochs_run"],
                "best_epoch": summary["best_epoch"],
                "seconds": summary["seconds"],
                "out": summary.get("run_directory"),
            }
        )


if __name__ == "__main__":
    main()
