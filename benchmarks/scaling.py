"""Seconds per VMC iteration on 1, 2, … CPU processes (torchrun, gloo, one thread each):
the speed-up of splitting the samples across ranks.

The job (issue 20's figure): the RNN (GRU, ``--hidden``, S^z = 0 projection) on the
Heisenberg chain N=20, periodic, Marshall sign rule, 4,096 exact autoregressive samples
per iteration in all, SR. Every process count runs through torchrun (one process too), so
that each line pays the same start-up; the seconds are the median over ``--iterations``
iterations after ``--warmup``. One JSON line per process count, then one with the
speed-ups.

    python benchmarks/scaling.py --processes 1 2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any


def worker(args: argparse.Namespace) -> None:
    """One process of a torchrun job: time the iterations; rank 0 prints the line."""
    import torch

    from qgen.distributed import initialize, shutdown
    from qgen.provenance import provenance
    from qgen.system import System
    from qgen.vmc.options import VMCOptions
    from qgen.vmc.workflow import apply_physics_defaults, prepare

    torch.set_num_threads(1)
    ranks, device = initialize("cpu")
    options = VMCOptions(
        model="rnn", hidden=args.hidden, samples=args.samples, optimizer="sr", seed=0
    )
    table = {"hamiltonian": "heisenberg", "lattice": "chain", "size": args.size}
    system, options, _ = apply_physics_defaults(System.from_mapping(table), options)
    driver = prepare(system, options, device).driver
    times, energies = [], []
    for _ in range(args.warmup + args.iterations):
        start = time.perf_counter()
        record = driver.advance()
        times.append(time.perf_counter() - start)
        energies.append(record["energy"])
    seconds = torch.tensor(times[args.warmup :], dtype=torch.float64)
    slowest = ranks.gather(seconds.unsqueeze(0)).max(0).values  # a step ends with its last rank
    if ranks.is_main:
        line = {
            "case": f"rnn-heisenberg-chain{args.size}-sr",
            "processes": ranks.world_size,
            "threads_per_process": torch.get_num_threads(),
            "samples": args.samples,
            "samples_per_rank": driver.samples_per_rank,
            "n_parameters": sum(p.numel() for p in driver.model.parameters()),
            "seconds_per_iteration": statistics.median(slowest.tolist()),
            "last_energy": energies[-1],
            "meta": provenance(),
        }
        print(json.dumps(line), flush=True)
    shutdown()


def launch(args: argparse.Namespace, processes: int) -> dict[str, Any]:
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone",
        f"--nproc-per-node={processes}", __file__, "--worker",
        "--size", str(args.size), "--samples", str(args.samples), "--hidden", str(args.hidden),
        "--iterations", str(args.iterations), "--warmup", str(args.warmup),
    ]  # fmt: skip
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    if done.returncode != 0:
        raise SystemExit(f"torchrun with {processes} processes failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--size", type=int, default=20)
    parser.add_argument("--samples", type=int, default=4096)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    lines = []
    for processes in args.processes:
        line = launch(args, processes)
        lines.append(line)
        print(json.dumps(line), flush=True)
    base = lines[0]["seconds_per_iteration"]
    speedups = {str(line["processes"]): base / line["seconds_per_iteration"] for line in lines}
    print(json.dumps({"speedup_over": lines[0]["processes"], "speedup": speedups}))


if __name__ == "__main__":
    main()
