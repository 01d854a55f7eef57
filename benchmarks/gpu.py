"""Seconds per VMC iteration on one GPU (issue 20's cases), one JSON line per case; with
``--compare-cpu`` the same case on the CPU beside it, and their ratio.

Cases (SR; MinSR's kernel where parameters outnumber samples, as ``--optimizer sr``
chooses):

* ``transformer-1024``, ``transformer-8192``: the Transformer on the 10×10 Heisenberg
  model (periodic, Marshall rule, S^z = 0), 1,024 and 8,192 samples;
* ``rnn2d-1024``, ``rnn2d-8192``: the 2D RNN (Hibat-Allah et al. 2020) on the same;
* ``rnn-chain100``: the 1D RNN on the Heisenberg chain N = 100, 1,024 samples;
* ``rbm-metropolis``: the RBM (α = 1) with 1,024 Metropolis chains (exchange moves) on
  10×10, 1,024 samples.

    python benchmarks/gpu.py                    # every case on cuda
    python benchmarks/gpu.py --compare-cpu      # and on the CPU, with the ratio
    python benchmarks/gpu.py --device cpu --cases rnn-chain100 --iterations 2   # a dry run
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

SQUARE = {"hamiltonian": "heisenberg", "lattice": "square", "size": [10, 10]}
CHAIN = {"hamiltonian": "heisenberg", "lattice": "chain", "size": 100}
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "transformer-1024": (SQUARE, {"model": "transformer", "hidden": 32, "samples": 1024}),
    "transformer-8192": (SQUARE, {"model": "transformer", "hidden": 32, "samples": 8192}),
    "rnn2d-1024": (SQUARE, {"model": "rnn2d", "hidden": 32, "samples": 1024}),
    "rnn2d-8192": (SQUARE, {"model": "rnn2d", "hidden": 32, "samples": 8192}),
    "rnn-chain100": (CHAIN, {"model": "rnn", "hidden": 32, "samples": 1024}),
    "rbm-metropolis": (SQUARE, {"model": "rbm", "chains": 1024, "samples": 1024}),
}


def time_case(name: str, device: str, args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from qgen.distributed import resolve_device
    from qgen.system import System
    from qgen.vmc.options import VMCOptions
    from qgen.vmc.workflow import apply_physics_defaults, prepare

    table, settings = CASES[name]
    where = resolve_device(device)
    options = VMCOptions(optimizer="sr", seed=0, dtype=args.dtype, **settings)
    system, options, _ = apply_physics_defaults(System.from_mapping(table), options)
    driver = prepare(system, options, where).driver

    def synchronize() -> None:
        if where.type == "cuda":
            torch.cuda.synchronize(where)

    times = []
    for _ in range(args.warmup + args.iterations):
        synchronize()
        start = time.perf_counter()
        record = driver.advance()
        synchronize()
        times.append(time.perf_counter() - start)
    return {
        "case": name,
        "device": str(where),
        "device_name": torch.cuda.get_device_name(where) if where.type == "cuda" else "cpu",
        "threads": torch.get_num_threads(),
        "dtype": args.dtype,
        "samples": options.samples,
        "n_parameters": sum(p.numel() for p in driver.model.parameters()),
        "seconds_per_iteration": statistics.median(times[args.warmup :]),
        "iterations_timed": args.iterations,
        "energy_per_site": record["energy"] / system.n_sites,
        "peak_memory_gib": torch.cuda.max_memory_allocated(where) / 2**30
        if where.type == "cuda"
        else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--compare-cpu", action="store_true")
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    args = parser.parse_args()
    from qgen.provenance import provenance

    print(json.dumps({"meta": provenance()}), flush=True)
    for name in args.cases:
        line = time_case(name, args.device, args)
        if args.compare_cpu:
            cpu = time_case(name, "cpu", args)
            line["cpu_seconds_per_iteration"] = cpu["seconds_per_iteration"]
            line["speedup_over_cpu"] = cpu["seconds_per_iteration"] / line["seconds_per_iteration"]
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
