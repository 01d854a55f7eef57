"""Normalizing flows on the 2D toy densities: held-out NLL against the true entropy, and
energy distance against the two-held-out-halves baseline.

For each dataset and flow, :func:`qgen.generative.experiment.run_experiment` trains on
``--samples`` seeded samples (cosine learning-rate decay, the best epoch on a validation
set kept) and reports on a separate test set:

* ``test_nll`` (exact for a flow, nats per sample, ± one standard error) and the excess
  over the true differential entropy :math:`H[p]` (known for ``ring``, ``rings`` and
  ``gaussians`` by quadrature, for ``moons`` by Monte Carlo); the target is an excess
  below 0.05 nats;
* the energy distance between model samples and the test set, next to the distance
  between two random halves of the test set (mean and standard deviation over 10 splits);
  the target is ``value ≤ halves_baseline + 2 · halves_baseline_std``.

Usage::

    python benchmarks/generative_flows.py                       # ring and gaussians, three flows
    python benchmarks/generative_flows.py --datasets moons --flows maf --epochs 20
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
    parser.add_argument("--datasets", nargs="+", default=["ring", "gaussians"])
    parser.add_argument("--flows", nargs="+", default=["spline", "maf", "realnvp"])
    parser.add_argument("--samples", type=int, default=50_000)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--transforms", type=int)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="keep the run directories (plots) under this folder")
    args = parser.parse_args()
    torch.set_num_threads(1)
    emit(meta("generative_flows.py", sys.argv[1:]))
    root = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="qgen-flows-"))
    for dataset in args.datasets:
        for flow in args.flows:
            log(f"{flow} on {dataset} ...")
            experiment = GenerativeOptions(
                model="flow",
                dataset=dataset,
                flow=flow,
                samples=args.samples,
                epochs=args.epochs,
                batch_size=512,
                patience=args.epochs,
                seed=args.seed,
                transforms=args.transforms,
                hidden=args.hidden,
                cosine=True,
            )
            summary = run_experiment(experiment, root / f"{flow}-{dataset}")
            nll, distance = summary["test_nll"], summary["energy_distance"]
            threshold = distance["halves_baseline"] + 2 * distance["halves_baseline_std"]
            record = {
                "record": "flow",
                "dataset": dataset,
                "flow": flow,
                "test_nll": nll["value"],
                "test_nll_error": nll["error"],
                "true_entropy": summary["true_entropy"]["value"],
                "true_entropy_error": summary["true_entropy"]["error"],
                "excess_nats": nll["excess_over_entropy"],
                "nll_within_0.05": nll["excess_over_entropy"] < 0.05,
                "energy_distance": distance["value"],
                "halves_baseline": distance["halves_baseline"],
                "halves_baseline_std": distance["halves_baseline_std"],
                "energy_distance_within_noise": distance["value"] <= threshold,
                "epochs": summary["epochs_run"],
                "best_epoch": summary["best_epoch"],
                "seconds": summary["seconds"],
                "out": summary.get("run_directory"),
            }
            emit(record)


if __name__ == "__main__":
    main()
