"""Seconds per VMC iteration, and accuracy after the same iterations: qgen's RNN beside
NetKet's autoregressive network, in one run.

The job: the Heisenberg chain N=20, periodic, 1,024 exact autoregressive samples per
iteration, local energies included, ``--iterations`` iterations (default 300), then the
energy from 20,000 fresh samples.

* **NetKet**: ``ARNNDense(layers=2, features=8)`` on ``Spin(1/2, 20)`` (NetKet's ARNNs do
  not take a constrained Hilbert space), ``ARDirectSampler``, ``Heisenberg`` (Marshall
  sign rule on, Pauli units: energies divided by 4), SGD with ``SR(diag_shift)`` or Adam.
  (``FastARNNDense`` crashes with the JAX release installed here.)
* **qgen**: ``RNN`` (GRU, ``--hidden``, S^z = 0 projection) with the Marshall rule on the
  Hamiltonian, SR (kernel form when parameters outnumber samples) or Adam.

Seconds per iteration are medians over the iterations after the first ``--warmup``
(NetKet's JIT compilation happens in its first iterations). Each line: one code.

    python benchmarks/vmc_speed_netket.py --optimizer sr
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import time
from typing import Any

N_SITES = 20
EXACT = -8.904386529876  # shared/reference/energies.json, heisenberg_chain_pbc_N20


def run_qgen(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from qgen.system import System
    from qgen.vmc.options import VMCOptions
    from qgen.vmc.workflow import apply_physics_defaults, prepare

    if args.threads:
        torch.set_num_threads(args.threads)
    options = VMCOptions(
        model="rnn",
        hidden=args.hidden,
        samples=1024,
        iterations=args.iterations,
        optimizer=args.optimizer,
        lr=args.qgen_lr,
        diag_shift=args.diag_shift,
        seed=0,
    )
    table = {"hamiltonian": "heisenberg", "lattice": "chain", "size": N_SITES}
    system, options, _ = apply_physics_defaults(System.from_mapping(table), options)
    prepared = prepare(system, options)
    times = []
    for _ in range(args.iterations):
        start = time.perf_counter()
        prepared.driver.advance()
        times.append(time.perf_counter() - start)
    final = prepared.driver.estimate(20_000)
    return {
        "code": "qgen",
        "model": f"RNN hidden={args.hidden}",
        "n_parameters": prepared.model.n_parameters(),
        "seconds_per_iteration": statistics.median(times[args.warmup :]),
        "energy": final.mean,
        "energy_error": final.error,
        "relative_error": abs((final.mean - EXACT) / EXACT),
        "threads": torch.get_num_threads(),
    }


def run_netket(args: argparse.Namespace) -> dict[str, Any]:
    import jax
    import netket as nk

    graph = nk.graph.Chain(N_SITES, pbc=True)
    hilbert = nk.hilbert.Spin(0.5, N_SITES)
    hamiltonian = nk.operator.Heisenberg(hilbert, graph)
    model = nk.models.ARNNDense(hilbert=hilbert, layers=2, features=8)
    sampler = nk.sampler.ARDirectSampler(hilbert)
    state = nk.vqs.MCState(sampler, model, n_samples=1024, seed=0, sampler_seed=1)
    if args.optimizer == "adam":
        optimizer = nk.optimizer.Adam(learning_rate=args.netket_lr or 1e-2)
        driver = nk.driver.VMC(hamiltonian, optimizer, variational_state=state)
    else:
        optimizer = nk.optimizer.Sgd(learning_rate=args.netket_lr or 0.01)
        driver = nk.driver.VMC(
            hamiltonian,
            optimizer,
            variational_state=state,
            preconditioner=nk.optimizer.SR(diag_shift=args.diag_shift),
        )
    times = []

    def timer(step: int, log_data: Any, drv: Any) -> bool:
        jax.block_until_ready(drv.state.parameters)
        times.append(time.perf_counter())
        return True

    driver.run(args.iterations, out=None, callback=timer, show_progress=False)
    steps = [b - a for a, b in itertools.pairwise(times)]
    state.n_samples = 20_480
    energy = state.expect(hamiltonian)
    mean = float(energy.mean.real) / 4  # Pauli units → spin-1/2 units
    return {
        "code": "netket",
        "version": nk.__version__,
        "model": "ARNNDense layers=2 features=8",
        "n_parameters": int(state.n_parameters),
        "seconds_per_iteration": statistics.median(steps[args.warmup :]),
        "energy": mean,
        "energy_error": float(energy.error_of_mean) / 4,
        "relative_error": abs((mean - EXACT) / EXACT),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--optimizer", choices=("sr", "adam"), default="sr")
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--diag-shift", type=float, default=0.01)
    parser.add_argument("--qgen-lr", type=float, default=None)
    parser.add_argument("--netket-lr", type=float, default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--codes", nargs="+", default=["netket", "qgen"])
    args = parser.parse_args()
    for code in args.codes:
        result = run_netket(args) if code == "netket" else run_qgen(args)
        result.update(
            optimizer=args.optimizer, iterations=args.iterations, date=time.strftime("%Y-%m-%d")
        )
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
