"""Observables of a noisy 20-qubit GHZ state from a trained outcome model, against their
exact values.

GHZ on N = 20 qubits with local depolarizing noise p per qubit; ``--samples`` exact
Pauli-6 (or ``--povm``) outcomes of its four-term product sum; an outcome model trained
as ``qgen tomo --mixed`` trains it (its defaults); then, from the model,
:math:`\\langle Z_0 Z_{N-1}\\rangle` (exact :math:`(1-p)^2`) and
:math:`\\langle X^{\\otimes N}\\rangle` (exact :math:`(1-p)^N`) by sequential importance
sampling with their Monte Carlo standard errors. The error bar is that of the model's
value, not of the finite data; the record says how many error bars off each estimate is.

    python benchmarks/ghz_observables.py --samples 20000 --seeds 0 1 2
"""

from __future__ import annotations

import argparse

import torch
from _generative_common import emit, meta

from qgen.exact import ghz_product_sum
from qgen.tomography.mixed_data import measure_mixed
from qgen.tomography.mixed_workflow import run_mixed_tomography
from qgen.tomography.workflow import TomographyOptions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--noise", type=float, default=0.05, help="local depolarizing p")
    parser.add_argument("--samples", type=int, default=20000)
    parser.add_argument("--povm", default="pauli6", choices=["pauli6", "pauli4", "tetra"])
    parser.add_argument("--model", default="rnn", choices=["rnn", "transformer", "made"])
    parser.add_argument("--estimate-samples", type=int, default=20000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    torch.set_num_threads(1)
    emit(meta("ghz_observables.py", vars(args)))
    n = args.sites
    state = ghz_product_sum(n, depolarizing=args.noise)
    strings = {"Z0ZN-1": "Z" + "I" * (n - 2) + "Z", "X^N": "X" * n}
    for seed in args.seeds:
        data = measure_mixed(state, samples=args.samples, povm=args.povm, seed=seed)
        options = TomographyOptions.from_sources(
            (
                {
                    "mixed": True,
                    "model": args.model,
                    "seed": seed,
                    "estimate_samples": args.estimate_samples,
                    "observables": ",".join(strings.values()),
                },
                "benchmark",
            )
        )
        summary = run_mixed_tomography(data, options, None, progress=False, log=lambda _: None)
        row: dict[str, object] = {
            "record": "ghz_observables",
            "seed": seed,
            "epochs": summary["epochs"],
            "best_epoch": summary["best_epoch"],
            "seconds": summary["seconds"],
        }
        for name, pauli in strings.items():
            estimate = summary["observables"][pauli]
            exact = state.pauli_expectation(pauli)
            row[name] = {
                **estimate,
                "exact": exact,
                "error_bars_off": (estimate["value"] - exact) / estimate["error"],
            }
        emit(row)


if __name__ == "__main__":
    main()
