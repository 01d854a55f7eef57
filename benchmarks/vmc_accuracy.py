"""Accuracy of VMC with autoregressive wave functions against exact energies, under a wall-time cap.

Cases (the figures of the autoregressive-VMC issue):

* ``heisenberg20``: Heisenberg chain N=20, periodic, RNN (target: relative error ≤ 1e-4
  and V-score ≤ 1e-4 within 15 minutes);
* ``tfim20``: transverse-field Ising chain N=20, periodic, h=1, RNN (target ≤ 1e-5);
* ``heisenberg4x4-rnn2d`` / ``heisenberg4x4-transformer``: Heisenberg 4×4 periodic
  (targets ≤ 5e-4 within 30 minutes);
* ``j1j2-4x4``: J1-J2 4×4, J2 = 0.5, periodic, 2D RNN with a phase head (target ≤ 5e-3);
  ``j1j2-4x4-rnn2d-point``: the same averaged over the lattice's 8 point operations
  (``--symmetry point``); ``j1j2-4x4-transformer-symmetric``: a Transformer averaged over
  them and the spin inversion (``--symmetry point --spin-flip``; 3.7e-3 with
  ``--samples 2048`` over 900 iterations, benchmarks/RESULTS.md).

Each case runs :func:`qgen.vmc.workflow.prepare` with the settings below (override with
``--set``). The learning-rate schedule is fitted to the wall-time budget: the first
``--calibrate`` iterations run at the initial rate and are timed, and the cosine decay
then spans the iterations that the budget ``--minutes`` leaves at that speed (at most
``--iterations`` in all); the run still stops at the budget if the machine slows down.
The energy is then estimated from ``--final-samples`` fresh samples (not counted in the
budget). One JSON line every ``--report-every`` iterations (the training estimate) and a
final line with the fresh estimate.

    python benchmarks/vmc_accuracy.py heisenberg20 --minutes 15
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from dataclasses import replace
from typing import Any

import torch

from qgen.driver import cosine_schedule
from qgen.system import System
from qgen.vmc.options import VMCOptions
from qgen.vmc.workflow import apply_physics_defaults, prepare

# SR with a diagonal shift of 1e-4: on the Heisenberg chain N=20 it gave a V-score of
# 6.0e-5 against 1.6e-4 with 1e-3 in the same 15 minutes (benchmarks/RESULTS.md).
_SR = {"optimizer": "sr", "lr": 0.05, "lr_schedule": "cosine", "diag_shift": 1e-4}

CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "heisenberg20": (
        {"hamiltonian": "heisenberg", "lattice": "chain", "size": 20},
        {"model": "rnn", "hidden": 32, **_SR},
    ),
    "tfim20": (
        {"hamiltonian": "tfim", "lattice": "chain", "size": 20, "h": 1.0},
        {"model": "rnn", "hidden": 32, **_SR},
    ),
    "heisenberg4x4-rnn2d": (
        {"hamiltonian": "heisenberg", "lattice": "square", "size": "4x4"},
        {"model": "rnn2d", "hidden": 24, **_SR},
    ),
    "heisenberg4x4-transformer": (
        {"hamiltonian": "heisenberg", "lattice": "square", "size": "4x4"},
        # One row of 4 sites per token: 4 tokens of 16 values (measured better than
        # 1 or 2 sites per token in the same 30 minutes).
        {"model": "transformer", "hidden": 16, "layers": 2, "heads": 2, "patch_size": 4, **_SR},
    ),
    "j1j2-4x4": (
        {"hamiltonian": "j1j2", "lattice": "square", "size": "4x4", "J2": 0.5},
        {"model": "rnn2d", "hidden": 24, **_SR},
    ),
    "j1j2-4x4-rnn2d-point": (
        {"hamiltonian": "j1j2", "lattice": "square", "size": "4x4", "J2": 0.5},
        {"model": "rnn2d", "hidden": 24, "symmetry": "point", **_SR},
    ),
    "j1j2-4x4-transformer-symmetric": (
        {"hamiltonian": "j1j2", "lattice": "square", "size": "4x4", "J2": 0.5},
        {
            "model": "transformer",
            "hidden": 16,
            "layers": 2,
            "heads": 2,
            "patch_size": 4,
            "symmetry": "point",
            "spin_flip": True,
            **_SR,
        },
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("--iterations", type=int, default=100_000, help="upper bound")
    parser.add_argument("--calibrate", type=int, default=10, help="timed iterations")
    parser.add_argument("--minutes", type=float, default=15.0)
    parser.add_argument("--samples", type=int, default=1024)
    parser.add_argument("--final-samples", type=int, default=50_000)
    parser.add_argument("--report-every", type=int, default=100)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="override [vmc] options, e.g. hidden=48 lr=0.02",
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    system_table, settings = CASES[args.case]
    for item in args.set:
        key, value = item.split("=", 1)
        settings[key] = (
            json.loads(value) if value[:1].isdigit() or value in ("true", "false") else value
        )
    options = VMCOptions(
        **settings, samples=args.samples, iterations=args.iterations, seed=args.seed
    )
    system, options, notes = apply_physics_defaults(System.from_mapping(system_table), options)
    prepared = prepare(system, options)
    driver = prepared.driver
    deadline = time.perf_counter() + 60 * args.minutes
    start = time.perf_counter()
    common = {
        "case": args.case,
        "system": system.describe(),
        "model": options.model,
        "n_parameters": prepared.model.n_parameters(),
        "exact_energy": None if prepared.exact is None else prepared.exact.energy,
        "threads": torch.get_num_threads(),
    }
    print(f"# {json.dumps(common)} {notes}", file=sys.stderr)

    def report(_driver: Any, record: dict[str, Any]) -> bool:
        if record["iteration"] % args.report_every == 0:
            line = {
                key: record.get(key)
                for key in ("iteration", "energy", "energy_error", "v_score", "relative_error")
            }
            line["elapsed_s"] = round(time.perf_counter() - start, 1)
            print(json.dumps({"case": args.case, **line}), flush=True)
        return time.perf_counter() < deadline

    scheduled = options.lr_schedule == "cosine"
    driver.schedulers = []  # constant rate while timing
    records = driver.run(args.calibrate, progress=False, callbacks=[report])
    calibrated = sorted(r["seconds"] for r in records)[len(records) // 2]
    left = deadline - time.perf_counter()
    total = min(options.iterations, driver.iteration + max(int(0.97 * left / calibrated), 1))
    if scheduled:
        driver.schedulers = [
            cosine_schedule(driver.optimizer, total - driver.iteration, floor=0.05)
        ]
    print(
        f"# {calibrated:.3f} s per iteration: {total} iterations in {args.minutes} minutes",
        file=sys.stderr,
        flush=True,
    )
    records += driver.run(total, progress=False, callbacks=[report])
    train_seconds = time.perf_counter() - start
    final = driver.estimate_record(args.final_samples)
    print(
        json.dumps(
            {
                **common,
                "final": True,
                "iterations": driver.iteration,
                "planned_iterations": total,
                "train_seconds": round(train_seconds, 1),
                "seconds_per_iteration": round(train_seconds / max(len(records), 1), 4),
                **final,
                "options": {k: v for k, v in replace(options).to_table().items() if v is not None},
                "machine": f"{platform.machine()} {torch.get_num_threads()} threads",
                "date": time.strftime("%Y-%m-%d"),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
