"""Noisy 3-qubit GHZ tomography: an outcome model's physical rho against qgen's MLE.

The headline case of Cha et al., Mach. Learn.: Sci. Technol. 3, 01LT01 (2022): GHZ on 3
qubits with local depolarizing noise p = 0.05, all 27 Pauli settings x 100 shots. Per data
seed, the same shots go to linear inversion, maximum likelihood (diluted RrhoR) and a
Pauli-6 outcome model trained by likelihood; each estimate's fidelity with the true rho
(the model's and linear inversion's after the projection onto density matrices). Prints
JSON lines: a meta line, one record per seed and a summary (mean and spread).

    python benchmarks/mixed_tomography.py --seeds 0 1 2 3 4
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from _generative_common import emit, meta

from qgen.driver import cosine_schedule
from qgen.exact import (
    POVMS,
    apply_local_channel,
    closest_physical,
    density_matrix,
    outcome_probabilities,
    quantum_fidelity,
    sample_settings,
)
from qgen.exact.density import depolarizing, min_eigenvalue
from qgen.exact.named_states import ghz_state
from qgen.tomography.baselines import linear_inversion, maximum_likelihood
from qgen.tomography.measurements import MeasurementData
from qgen.tomography.povm_data import POVMData
from qgen.tomography.povm_model import (
    POVMTrainer,
    build_povm_model,
    classical_fidelity,
    model_density_matrix,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--model", default="transformer", choices=["transformer", "rnn", "made"])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--shots", type=int, default=100, help="shots per Pauli setting")
    parser.add_argument("--noise", type=float, default=0.05, help="local depolarizing p")
    args = parser.parse_args()
    torch.set_num_threads(1)
    emit(meta("mixed_tomography.py", vars(args)))
    rho = apply_local_channel(density_matrix(ghz_state(3)), depolarizing(args.noise))
    povm = POVMS["pauli6"]
    target = outcome_probabilities(rho, povm)
    settings = np.array([list(a + b + c) for a in "XYZ" for b in "XYZ" for c in "XYZ"])
    bases = np.repeat(settings, args.shots, axis=0)
    rows = []
    for seed in args.seeds:
        record = MeasurementData(sample_settings(rho, bases, seed=seed), bases)
        data = POVMData.from_measurements(record, rho)
        linear = linear_inversion(data).rho
        likelihood = maximum_likelihood(data)
        model = build_povm_model(args.model, 3, "pauli6", seed=seed)
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
        trainer = POVMTrainer(
            model,
            data,
            None,
            optimizer,
            batch_size=args.batch_size,
            scheduler=cosine_schedule(optimizer, args.epochs, floor=0.02),
            seed=seed,
        )
        start = time.perf_counter()
        trainer.run(args.epochs, progress=False)
        seconds = time.perf_counter() - start
        reconstructed = model_density_matrix(model, povm)
        row = {
            "record": "ghz3",
            "seed": seed,
            "model": args.model,
            "fidelity_model": quantum_fidelity(closest_physical(reconstructed), rho),
            "model_min_eigenvalue_before_projection": min_eigenvalue(reconstructed),
            "classical_fidelity_model": classical_fidelity(model, target),
            "fidelity_mle": quantum_fidelity(likelihood.rho, rho),
            "mle_iterations": likelihood.iterations,
            "fidelity_linear_projected": quantum_fidelity(closest_physical(linear), rho),
            "linear_min_eigenvalue": min_eigenvalue(linear),
            "train_seconds": seconds,
        }
        rows.append(row)
        emit(row)
    summary: dict[str, object] = {"record": "summary", "seeds": len(rows)}
    for key in ("fidelity_model", "fidelity_mle", "fidelity_linear_projected"):
        values = np.array([r[key] for r in rows], dtype=float)
        summary[key] = {
            "mean": float(values.mean()),
            "sd": float(values.std(ddof=1)) if len(values) > 1 else None,
        }
    emit(summary)


if __name__ == "__main__":
    main()
