"""RBM VMC beside NetKet in one run: seconds per iteration and accuracy after the same
iterations, with the same settings.

The jobs (``--case``):

* ``heisenberg``: Heisenberg chain N=20, periodic, Marshall sign rule, S^z = 0, exchange
  Metropolis along the chain's bonds (exact −8.904386529876);
* ``tfim``: transverse-field Ising chain N=20, periodic, h=1, single-spin-flip
  Metropolis (exact from the free-fermion formula).

Both codes: a real RBM with α=1 and a visible bias (440 parameters), initial parameters
normal with std 0.01, ``--chains`` chains, sweeps of N steps between samples, 1,024
samples per iteration, a tenth of each chain's samples discarded at the start of every
iteration, SGD preconditioned by SR (``--diag-shift``), float64. The learning rate ``--lr`` is
qgen's; NetKet gets ``lr/2`` (``lr/8`` for the Heisenberg chain) so that both take the
same step: NetKet's SR preconditions the full gradient, twice qgen's force, and its
Heisenberg operator is in Pauli units.
``--momentum`` gives qgen's SR SPRING's momentum (NetKet's SR has none). The final
energy is from ``--final-samples`` fresh samples (default 20,480). Seconds per iteration
are medians after the first ``--warmup`` iterations (NetKet compiles in its first ones).
One JSON line per code.

    python benchmarks/vmc_rbm_netket.py --case heisenberg --threads 1
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import time
from typing import Any

N_SITES = 20
SAMPLES = 1024


def exact_energy(case: str) -> float:
    from qgen.exact.formulas import tfim_chain_ground_energy

    if case == "heisenberg":
        return -8.904386529876  # shared/reference/energies.json, heisenberg_chain_pbc_N20
    return tfim_chain_ground_energy(N_SITES, J=1.0, h=1.0, periodic=True)


def run_qgen(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from qgen.system import System
    from qgen.vmc.options import VMCOptions
    from qgen.vmc.workflow import apply_physics_defaults, prepare

    if args.threads:
        torch.set_num_threads(args.threads)
    options = VMCOptions(
        model="rbm",
        alpha=1.0,
        dtype="float64",
        samples=SAMPLES,
        chains=args.chains,
        iterations=args.iterations,
        optimizer="sr",
        lr=args.lr,
        diag_shift=args.diag_shift,
        momentum=args.momentum,
        seed=args.seed,
    )
    table: dict[str, Any] = {"hamiltonian": args.case, "lattice": "chain", "size": N_SITES}
    if args.case == "tfim":
        table["h"] = 1.0
    system, options, _ = apply_physics_defaults(System.from_mapping(table), options)
    prepared = prepare(system, options)
    times = []
    for _ in range(args.iterations):
        start = time.perf_counter()
        prepared.driver.advance()
        times.append(time.perf_counter() - start)
    final = prepared.driver.estimate(args.final_samples)
    exact = exact_energy(args.case)
    return {
        "code": "qgen",
        "n_parameters": sum(p.numel() for p in prepared.model.parameters()),
        "seconds_per_iteration": statistics.median(times[args.warmup :]),
        "energy": final.mean,
        "energy_error": final.error,
        "relative_error": abs((final.mean - exact) / exact),
        "r_hat": final.r_hat,
        "tau_corr": final.tau_corr,
        "acceptance": prepared.driver.sampler.acceptance,  # type: ignore[attr-defined]
        "threads": torch.get_num_threads(),
    }


def run_netket(args: argparse.Namespace) -> dict[str, Any]:
    import jax
    import jax.numpy as jnp
    import netket as nk

    graph = nk.graph.Chain(N_SITES, pbc=True)
    if args.case == "heisenberg":
        hilbert = nk.hilbert.Spin(0.5, N_SITES, total_sz=0)
        hamiltonian = nk.operator.Heisenberg(hilbert, graph, sign_rule=True)
        units = 4.0  # NetKet's Heisenberg is in Pauli matrices
        sampler = nk.sampler.MetropolisExchange(
            hilbert, graph=graph, n_chains=args.chains, sweep_size=N_SITES
        )
    else:
        hilbert = nk.hilbert.Spin(0.5, N_SITES)
        # −Σ σzσz − h Σ σx, as qgen's tfim (J = 1 ferromagnet)
        hamiltonian = nk.operator.Ising(hilbert, graph, h=1.0, J=-1.0)
        units = 1.0
        sampler = nk.sampler.MetropolisLocal(hilbert, n_chains=args.chains, sweep_size=N_SITES)
    model = nk.models.RBM(
        alpha=1,
        param_dtype=jnp.float64,
        kernel_init=jax.nn.initializers.normal(0.01),
        hidden_bias_init=jax.nn.initializers.normal(0.01),
        visible_bias_init=jax.nn.initializers.normal(0.01),
    )
    per_chain = -(-SAMPLES // args.chains)
    state = nk.vqs.MCState(
        sampler,
        model,
        n_samples=SAMPLES,
        n_discard_per_chain=max(1, per_chain // 10),
        seed=args.seed,
        sampler_seed=args.seed + 1,
    )
    driver = nk.driver.VMC(
        hamiltonian,
        # The same step as qgen's: NetKet preconditions the gradient 2 Re⟨ΔO* ΔE⟩, twice
        # qgen's SR force, and its Heisenberg is in Pauli units (4× the energies).
        nk.optimizer.Sgd(learning_rate=args.lr / (2 * units)),
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
    state.n_samples = args.final_samples
    energy = state.expect(hamiltonian)
    mean = float(energy.mean.real) / units
    exact = exact_energy(args.case)
    return {
        "code": "netket",
        "version": nk.__version__,
        "n_parameters": int(state.n_parameters),
        "seconds_per_iteration": statistics.median(steps[args.warmup :]),
        "energy": mean,
        "energy_error": float(energy.error_of_mean) / units,
        "relative_error": abs((mean - exact) / exact),
        "r_hat": float(energy.R_hat),
        "tau_corr": float(energy.tau_corr),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=("heisenberg", "tfim"), default="heisenberg")
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--chains", type=int, default=16)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--diag-shift", type=float, default=0.01)
    parser.add_argument("--momentum", type=float, default=0.0, help="qgen's SPRING momentum")
    parser.add_argument("--final-samples", type=int, default=20_480)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--codes", nargs="+", default=["netket", "qgen"])
    args = parser.parse_args()
    for code in args.codes:
        result = run_netket(args) if code == "netket" else run_qgen(args)
        result.update(
            case=args.case,
            chains=args.chains,
            lr=args.lr,
            diag_shift=args.diag_shift,
            momentum=args.momentum if code == "qgen" else 0.0,
            final_samples=args.final_samples,
            iterations=args.iterations,
            date=time.strftime("%Y-%m-%d"),
        )
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
