"""Local optima of the tomography likelihood for a W state's phases, and their annealing.

The 20-qubit W state with random phases (the ``w20`` case of ``tomography.py``: z data and
every neighbouring pair in XX, XY, YX, YY, ``--samples-per-basis`` each) is fitted by
maximum likelihood over the state's 40 free numbers in the one-excitation sector (20 log
amplitudes, 20 phases), full batch, L-BFGS, from ``--restarts`` random phase starts:

* ``exact``: the exact likelihood;
* ``annealed``: the likelihood with the rotated sites depolarized
  (:func:`qgen.tomography.rotations.log_probabilities`), ε stepped 0.9 → 0.

One JSON line per restart: fidelity with the true state and the validation NLL.

    python benchmarks/w_state_likelihood.py --restarts 6
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from qgen.exact import sample_measurements
from qgen.exact.named_states import w_state_with_phases
from qgen.tomography.bases import pairwise_bases
from qgen.tomography.measurements import MeasurementData
from qgen.tomography.rotations import basis_codes, log_probabilities

SCHEDULES = {"exact": [0.0], "annealed": [0.9, 0.7, 0.5, 0.3, 0.15, 0.05, 0.0]}


class SectorState(torch.nn.Module):
    """A free state in the one-excitation sector: ψ(e_k) = exp(a_k + iφ_k)/norm, 0 elsewhere."""

    def __init__(self, n_sites: int) -> None:
        super().__init__()
        self.n_sites = n_sites
        self.log_amplitude = torch.nn.Parameter(torch.zeros(n_sites, dtype=torch.float64))
        self.phase = torch.nn.Parameter(torch.zeros(n_sites, dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        site = torch.argmax(x, dim=1)
        log_norm = 0.5 * torch.logsumexp(2 * self.log_amplitude, 0)
        value = torch.complex(self.log_amplitude[site] - log_norm, self.phase[site])
        outside = torch.full_like(value, complex(-float("inf"), 0.0))
        return torch.where(x.sum(1) == 1, value, outside)

    def vector(self) -> np.ndarray:
        with torch.no_grad():
            return torch.exp(self(torch.eye(self.n_sites, dtype=torch.long))).numpy()


def fit(model: SectorState, x: torch.Tensor, codes: torch.Tensor, depolarization: float) -> None:
    """Minimize the (depolarized) NLL by full-batch L-BFGS."""
    optimizer = torch.optim.LBFGS(model.parameters(), max_iter=1000, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        loss = -log_probabilities(model, x, codes, depolarization=depolarization).mean()
        loss.backward()
        return loss

    optimizer.step(closure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--samples-per-basis", type=int, default=250)
    parser.add_argument("--restarts", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    n = args.sites
    psi = w_state_with_phases(n, seed=args.seed)
    data = MeasurementData.from_samples(
        sample_measurements(psi, pairwise_bases(n, "XY"), args.samples_per_basis, seed=args.seed),
        psi,
    )
    train, validation = data.split(0.1, seed=args.seed)
    x_train, x_val = (torch.as_tensor(d.outcomes).long() for d in (train, validation))
    b_train = basis_codes(train.bases, train.n_samples, n)
    b_val = basis_codes(validation.bases, validation.n_samples, n)
    one_excitation = [1 << (n - 1 - k) for k in range(n)]  # site 0 is the highest bit
    target = psi[one_excitation]
    for schedule, steps in SCHEDULES.items():
        rng = np.random.default_rng(args.seed)
        for restart in range(args.restarts):
            model = SectorState(n)
            with torch.no_grad():
                model.phase.copy_(torch.from_numpy(rng.uniform(0, 2 * np.pi, n)))
            for depolarization in steps:
                fit(model, x_train, b_train, depolarization)
            with torch.no_grad():
                nll = float(-log_probabilities(model, x_val, b_val).mean())
            fidelity = float(abs(np.vdot(target, model.vector())) ** 2)
            print(
                json.dumps(
                    {
                        "schedule": schedule,
                        "restart": restart,
                        "fidelity": fidelity,
                        "validation_nll": nll,
                        "samples_per_basis": args.samples_per_basis,
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
