"""VAE on 16×16 Ising configurations at T = 2.0 and T = 3.5.

Data: :func:`qgen.datasets.ising.sample_ising` (checkerboard Metropolis + Wolff). The VAE
(Bernoulli decoder) is trained on ``--samples`` configurations and evaluated on a
held-out set: the held-out ELBO (nats per configuration, a lower bound on log p), the mean
energy per site and mean |m| of model samples against the data's (± one standard error),
the 1-Wasserstein distance between the sample and data histograms of E/N and |m|, and
N·s(T), the entropy of the Boltzmann distribution from Onsager's solution, which bounds
every model's held-out NLL from below.
The histograms themselves are plotted in each run directory (``ising_histograms.png``).

Usage::

    python benchmarks/generative_vae_ising.py
    python benchmarks/generative_vae_ising.py --temperatures 2.5 --epochs 30
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import torch
from _generative_common import emit, log, meta

from qgen.datasets.ising import (
    energy_per_site,
    exact_averages,
    lattices_from_sites,
    magnetization,
    onsager_entropy_per_site,
)
from qgen.generative.experiment import GenerativeOptions, run_experiment, split_data


def wasserstein_1d(a: torch.Tensor, b: torch.Tensor, n: int = 2000) -> float:
    """W1 between two 1D empirical distributions via their quantile functions."""
    levels = (torch.arange(n, dtype=torch.float64) + 0.5) / n
    qa = torch.quantile(a.to(torch.float64), levels)
    qb = torch.quantile(b.to(torch.float64), levels)
    return float((qa - qb).abs().mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--temperatures", nargs="+", type=float, default=[2.0, 3.5])
    parser.add_argument("--size", default="16x16")
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--latent", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="keep the run directories (plots) under this folder")
    args = parser.parse_args()
    torch.set_num_threads(1)
    emit(meta("generative_vae_ising.py", sys.argv[1:]))
    root = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="qgen-vae-"))
    for temperature in args.temperatures:
        log(f"VAE on {args.size} Ising at T = {temperature} ...")
        experiment = GenerativeOptions(
            model="vae",
            dataset="ising",
            size=args.size,
            temperature=temperature,
            samples=args.samples,
            epochs=args.epochs,
            batch_size=128,
            patience=args.epochs,
            seed=args.seed,
            hidden=256,
            latent=args.latent,
            cosine=True,
        )
        summary = run_experiment(experiment, root / f"vae-T{temperature}")
        _, _, test = split_data(experiment)
        lx, ly = (int(n) for n in args.size.split("x"))
        data_lattices = lattices_from_sites(test, args.size)
        model = summary["ising"]["model"]
        data = summary["ising"]["data"]
        record = {
            "record": "vae_ising",
            "size": args.size,
            "temperature": temperature,
            "held_out_elbo": -summary["test_nll"]["value"],
            "held_out_elbo_error": summary["test_nll"]["error"],
            "energy_per_site_data": data["energy_per_site"],
            "energy_per_site_model": model["energy_per_site"],
            "abs_magnetization_data": data["abs_magnetization"],
            "abs_magnetization_model": model["abs_magnetization"],
            "energy_distance": summary["energy_distance"]["value"],
            "halves_baseline": summary["energy_distance"]["halves_baseline"],
            "halves_baseline_std": summary["energy_distance"]["halves_baseline_std"],
            "epochs": summary["epochs_run"],
            "seconds": summary["seconds"],
            "out": summary.get("run_directory"),
        }
        if summary.get("run_directory"):
            samples = torch.load(Path(summary["run_directory"]) / "samples.pt", weights_only=True)
            model_lattices = lattices_from_sites(samples, args.size)
            record["w1_energy"] = wasserstein_1d(
                energy_per_site(data_lattices), energy_per_site(model_lattices)
            )
            record["w1_abs_magnetization"] = wasserstein_1d(
                magnetization(data_lattices).abs(), magnetization(model_lattices).abs()
            )
        # No model's held-out NLL lies below the entropy of the Boltzmann distribution,
        # N s(T) (Onsager's infinite-lattice entropy per site; finite-size corrections aside).
        record["entropy_nats_onsager"] = lx * ly * onsager_entropy_per_site(temperature)
        record["elbo_gap_to_entropy"] = -record["held_out_elbo"] - record["entropy_nats_onsager"]
        if lx * ly <= 20:
            record["exact_energy_per_site"] = exact_averages(args.size, temperature).energy_per_site
        emit(record)


if __name__ == "__main__":
    main()
