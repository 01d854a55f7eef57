"""Classical RBM figures of issue 5, as JSON lines on stdout.

1. ``ising``: a Bernoulli RBM (``--hidden`` units, default 128; CD-10, Adam, biases tied
   for the spin-flip symmetry) trained on 8×8 Ising Monte Carlo data at T = 2.269 and
   T = 3: held-out NLL (AIS log Z) beside the exact entropy, the means of E/N and |m| and
   the histogram distances (TV against its Monte Carlo noise level, χ² over bins) of
   model samples against the data.
2. ``ais``: AIS log Z against exact enumeration for RBMs with 10 and 20 hidden units
   trained on the same data (so the weights carry real structure), at two numbers of
   inverse temperatures.

Run: python benchmarks/ebm_ising.py [--hidden 128] [--epochs 100] [--temperatures 2.269 3.0]
[--samples 10000] [--weight-decay 0] [--gibbs-steps 1000] [--augment] [--skip-ais] [--quick]
(about 10 minutes on a loaded 2-core machine; ``--quick`` is a smoke test).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import torch
from _generative_common import emit, log, meta

from qgen.ebm import (
    ContrastiveDivergence,
    EBMOptions,
    annealed_log_partition,
    base_visible_bias,
    ising_data,
    run_ebm,
)
from qgen.models.bernoulli_rbm import BernoulliRBM


def ising_record(experiment: EBMOptions) -> dict[str, Any]:
    log(f"ising: T = {experiment.temperature}, {experiment.epochs} epochs")
    summary = run_ebm(experiment)
    ising = summary["ising"]
    record: dict[str, Any] = {
        "record": "ising",
        "size": experiment.size,
        "temperature": experiment.temperature,
        "hidden": experiment.hidden,
        "method": f"{experiment.method}-{experiment.cd_k}",
        "symmetric": experiment.symmetric,
        "augment": experiment.augment,
        "epochs": experiment.epochs,
        "weight_decay": experiment.weight_decay,
        "n_train": summary["n_train"],
        "n_test": summary["n_test"],
        "model_samples": experiment.model_samples,
        "gibbs_steps": experiment.gibbs_steps,
        "test_nll": summary["test_nll"]["value"],
        "test_nll_error": summary["test_nll"]["error"],
        "log_partition": summary["log_partition"]["value"],
        "log_partition_error": summary["log_partition"]["error"],
        "exact_entropy": summary.get("exact_entropy", {}).get("value"),
        "kl_data_to_model": summary["test_nll"].get("kl_to_model"),
        "exact_energy_per_site": summary.get("exact_entropy", {}).get("energy_per_site"),
        "seconds": summary["seconds"],
    }
    for name in ("energy_per_site", "abs_magnetization"):
        for source in ("data", "model"):
            record[f"{name}_{source}"] = ising[source][name]["value"]
            record[f"{name}_{source}_error"] = ising[source][name]["error"]
    for name, histogram in ising["histograms"].items():
        record[f"{name}_tv"] = histogram["tv"]
        record[f"{name}_tv_noise"] = histogram["tv_noise"]
        record[f"{name}_tv_noise_spread"] = histogram["tv_noise_spread"]
        record[f"{name}_chi2"] = histogram["chi2"]
        record[f"{name}_chi2_bins"] = histogram["chi2_bins"]
    return record


def ais_records(hidden: int, epochs: int, betas: list[int], seed: int = 0) -> list[dict[str, Any]]:
    experiment = EBMOptions(temperature=2.269, seed=seed)
    train, _, _ = ising_data(experiment)
    rbm = BernoulliRBM(64, hidden, generator=torch.Generator().manual_seed(seed))
    adam = torch.optim.Adam(rbm.parameters(), lr=3e-3)
    ContrastiveDivergence(rbm, train, adam, k=5).run(epochs, progress=False)
    start = time.perf_counter()
    with torch.no_grad():
        exact = float(rbm.exact_log_partition())
    exact_seconds = time.perf_counter() - start
    base = base_visible_bias(train, 64)
    records = []
    for n_betas in betas:
        log(f"ais: {hidden} hidden, {n_betas} inverse temperatures")
        start = time.perf_counter()
        estimate = annealed_log_partition(
            rbm, 100, n_betas, torch.Generator().manual_seed(seed + 1), base
        )
        records.append(
            {
                "record": "ais",
                "n_visible": 64,
                "n_hidden": hidden,
                "trained_epochs": epochs,
                "exact_log_partition": exact,
                "exact_seconds": exact_seconds,
                "ais_log_partition": estimate.value,
                "ais_error": estimate.error,
                "ais_chains": estimate.n_chains,
                "ais_betas": n_betas,
                "relative_error": abs(estimate.value - exact) / abs(exact),
                "error_bars_off": (estimate.value - exact) / estimate.error,
                "effective_sample_size": estimate.effective_sample_size,
                "ais_seconds": time.perf_counter() - start,
            }
        )
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--hidden", type=int, default=128, help="hidden units of the Ising RBMs")
    parser.add_argument("--temperatures", type=float, nargs="+", default=[2.269, 3.0])
    parser.add_argument(
        "--samples", type=int, default=10_000, help="training configurations (500 chains)"
    )
    parser.add_argument("--weight-decay", type=float, default=0.0, help="L2 penalty (Adam)")
    parser.add_argument(
        "--gibbs-steps", type=int, default=1000, help="Gibbs steps per model sample"
    )
    parser.add_argument(
        "--augment", action="store_true", help="random lattice symmetries on training batches"
    )
    parser.add_argument("--skip-ais", action="store_true", help="only the Ising records")
    parser.add_argument("--quick", action="store_true", help="a smoke test of a few seconds")
    args = parser.parse_args()
    torch.set_num_threads(1)
    emit(meta("benchmarks/ebm_ising.py", sys.argv[1:]))
    quick = args.quick
    for hidden in () if args.skip_ais else (10, 20):
        for record in ais_records(hidden, 2 if quick else 20, [100] if quick else [1000, 5000]):
            emit(record)
    for temperature in args.temperatures:
        experiment = EBMOptions(
            temperature=temperature,
            samples=2000 if quick else args.samples,
            test_samples=1000 if quick else 5_000,
            hidden=args.hidden,
            method="cd",
            cd_k=10,
            epochs=2 if quick else args.epochs,
            optimizer="adam",
            lr=3e-3,
            weight_decay=args.weight_decay,
            symmetric=True,
            augment=args.augment,
            nll_every=args.epochs,
            ais_chains=100 if quick else 200,
            ais_betas=100 if quick else 3000,
            model_samples=1000 if quick else 5000,
            gibbs_steps=100 if quick else args.gibbs_steps,
        )
        emit(ising_record(experiment))


if __name__ == "__main__":
    main()
