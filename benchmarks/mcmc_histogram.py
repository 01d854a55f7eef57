"""Sampler correctness: the histogram of Metropolis chains against the exact |ψ|² of a
10-site RBM, with split-R̂ and τ of the chains.

The RBM (α=1, real) is first trained on the 10-site Heisenberg ring (Marshall rule,
S^z = 0) for ``--train`` SR steps with exact sampling, so that |ψ|² is a physical
distribution. Then ``--samples`` samples are drawn by exchange chains (``--chains``,
sweeps of N steps) and, as a baseline for the same sample size, by the exact sampler.
Each line: the total-variation distance ``½ Σ |f(x) − p(x)|``, the expected TV of that
many independent samples, R̂ and τ of log|ψ|² along the chains, and seconds.

    python benchmarks/mcmc_histogram.py --threads 1
"""

from __future__ import annotations

import argparse
import json
import math
import time

import torch

from qgen.estimators import statistics
from qgen.hilbert import MagnetizationSector, configs_to_indices
from qgen.lattice import Chain
from qgen.models import RBM
from qgen.operators.hamiltonians import heisenberg
from qgen.sampling import ExactSampler, MetropolisSampler
from qgen.vmc import SR, VMC

N_SITES = 10


def total_variation(x: torch.Tensor, probabilities: torch.Tensor) -> float:
    counts = torch.bincount(configs_to_indices(x), minlength=probabilities.numel())
    return 0.5 * float((counts.double() / x.shape[0] - probabilities).abs().sum())


def expected_total_variation(probabilities: torch.Tensor, n: int) -> float:
    """E[TV] of n independent draws: ½ Σ sqrt(2 p (1 − p) / (π n)) (normal approximation)."""
    p = probabilities[probabilities > 0]
    return 0.5 * float(torch.sqrt(2 * p * (1 - p) / (math.pi * n)).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--chains", type=int, default=16)
    parser.add_argument("--train", type=int, default=150)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    lattice = Chain(N_SITES)
    hamiltonian = heisenberg(lattice, sign_rule=True)
    torch.manual_seed(0)
    model = RBM(N_SITES, alpha=1, dtype=torch.float64)
    exact = ExactSampler(model, N_SITES, magnetization=0)
    driver = VMC(
        hamiltonian,
        model,
        exact,
        torch.optim.SGD(model.parameters(), lr=0.05),
        1024,
        preconditioner=SR(0.01),
    )
    driver.run(args.train, progress=False)
    sector = MagnetizationSector(N_SITES, 0)
    probabilities = torch.zeros(2**N_SITES, dtype=torch.float64)
    probabilities[configs_to_indices(sector.configs())] = exact.probabilities()

    generator = torch.Generator().manual_seed(1)
    start = time.perf_counter()
    chains = MetropolisSampler(
        model,
        N_SITES,
        rule="exchange",
        n_chains=args.chains,
        bonds=lattice.bonds(),
        magnetization=0,
    )
    x = chains.sample(args.samples, generator)
    seconds = time.perf_counter() - start
    with torch.no_grad():
        stats = statistics(2 * model(x).reshape(-1, args.chains).T)
    record = {
        "sampler": "metropolis-exchange",
        "n_samples": x.shape[0],
        "chains": args.chains,
        "total_variation": total_variation(x, probabilities),
        "expected_tv_independent": expected_total_variation(probabilities, x.shape[0]),
        "r_hat": stats.r_hat,
        "tau_corr": stats.tau_corr,
        "acceptance": chains.acceptance,
        "seconds": seconds,
        "date": time.strftime("%Y-%m-%d"),
    }
    print(json.dumps(record), flush=True)
    start = time.perf_counter()
    y = exact.sample(args.samples, generator)
    baseline = {
        "sampler": "exact",
        "n_samples": y.shape[0],
        "total_variation": total_variation(y, probabilities),
        "expected_tv_independent": expected_total_variation(probabilities, y.shape[0]),
        "seconds": time.perf_counter() - start,
        "date": time.strftime("%Y-%m-%d"),
    }
    print(json.dumps(baseline), flush=True)


if __name__ == "__main__":
    main()
