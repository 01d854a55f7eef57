"""``qgen vmc``: variational ground states with autoregressive and RBM wave functions."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

import torch

from qgen.cli.system_args import add_system_arguments, system_table_from_arguments
from qgen.errors import ConfigError
from qgen.models.registry import MODELS, SYMMETRIES
from qgen.runs import CONFIG_FILE, to_json
from qgen.system import load_toml
from qgen.vmc.options import DTYPES, OPTIMIZERS, SAMPLERS, SCHEDULES, VMCOptions
from qgen.vmc.workflow import apply_physics_defaults, run_vmc

__all__ = ["add_parser", "run", "vmc_options"]


def add_parser(subparsers: Any, name: str) -> None:
    """Register ``qgen vmc`` and its flags."""
    parser = subparsers.add_parser(
        name,
        help="variational Monte Carlo ground state, compared with exact results",
        description=(
            "Variational Monte Carlo with an autoregressive wave function (exact sampling) or "
            "an RBM (Metropolis chains). "
            "With no flags: the Heisenberg chain of 16 sites with an RNN, compared with ED."
        ),
    )
    add_system_arguments(parser)
    _add_vmc_arguments(parser)
    parser.set_defaults(run=run)


def _add_vmc_arguments(parser: argparse.ArgumentParser) -> None:
    model = parser.add_argument_group("wave function")
    model.add_argument("--model", choices=MODELS, help="default: rnn")
    model.add_argument("--hidden", type=int, help="hidden units (RNN, MADE) or width; default 32")
    model.add_argument(
        "--alpha", type=float, help="RBM hidden units per site (symmetric-rbm: filters); default 1"
    )
    model.add_argument("--layers", type=int, help="default: 1 (RNNs), 2 (Transformer, MADE)")
    model.add_argument("--heads", type=int, help="attention heads (Transformer); default 4")
    model.add_argument("--patch-size", type=int, help="sites per token (Transformer); default 1")
    model.add_argument(
        "--phase",
        action=argparse.BooleanOptionalAction,
        help="a phase head (complex ψ; complex RBM parameters); default: for j1j2 only",
    )
    model.add_argument(
        "--u1",
        action=argparse.BooleanOptionalAction,
        help="project the model on an S^z sector (default: on where H conserves S^z)",
    )
    model.add_argument(
        "--symmetry",
        choices=SYMMETRIES,
        help="average an autoregressive model over the lattice's point group, translations "
        "or both (space), keeping exact sampling; costs one evaluation per group element; "
        "default none",
    )
    model.add_argument(
        "--spin-flip",
        action=argparse.BooleanOptionalAction,
        help="also average over the global spin inversion (S^z = 0 only); default off",
    )
    model.add_argument("--dtype", choices=DTYPES, help="parameter dtype; default float32")
    sampling = parser.add_argument_group("sampling")
    sampling.add_argument("--samples", type=int, help="samples per iteration; default 1024")
    sampling.add_argument(
        "--sampler",
        choices=SAMPLERS,
        help="default auto: autoregressive for autoregressive models; for RBMs exchange "
        "(Metropolis, swaps along bonds) in an S^z sector, else local (single flips)",
    )
    sampling.add_argument("--chains", type=int, help="Markov chains; default 16")
    sampling.add_argument(
        "--sweep-size", type=int, help="Metropolis steps between samples; default N"
    )
    sampling.add_argument(
        "--replicas", type=int, help="parallel-tempering replicas per chain; default 1 (off)"
    )
    optimization = parser.add_argument_group("optimization")
    optimization.add_argument("--iterations", type=int, help="default 300")
    optimization.add_argument("--optimizer", choices=OPTIMIZERS, help="default: sr")
    optimization.add_argument(
        "--lr", type=float, help="learning rate; default 1e-3 (adam), 5e-2 (sr, minsr)"
    )
    optimization.add_argument("--diag-shift", type=float, help="SR diagonal shift; default 1e-3")
    optimization.add_argument(
        "--clip-width",
        type=float,
        help="clip the local energies of the gradient at this many mean absolute "
        "deviations from their median (FermiNet's 5); default: no clipping",
    )
    optimization.add_argument(
        "--momentum",
        type=float,
        help="SR/MinSR momentum μ in [0, 1) (SPRING, Goldshlager et al. 2024); default 0",
    )
    optimization.add_argument("--lr-schedule", choices=SCHEDULES, help="default: constant")
    optimization.add_argument(
        "--anneal-temperature", type=float, help="initial temperature of variational annealing"
    )
    optimization.add_argument(
        "--anneal-iterations", type=int, help="iterations over which T falls linearly to 0"
    )
    run_group = parser.add_argument_group("run")
    run_group.add_argument("--seed", type=int, help="default 0")
    run_group.add_argument(
        "--out", help="run directory (default: runs/vmc-<system>-<model>-<date-time>)"
    )
    run_group.add_argument("--resume", action="store_true", help="continue the run in --out")
    run_group.add_argument("--checkpoint-every", type=int, help="iterations between checkpoints")
    run_group.add_argument("--final-samples", type=int, help="samples of the final estimate")
    run_group.add_argument("--chunk-size", type=int, help="configurations per model call")
    run_group.add_argument("--threads", type=int, help="torch CPU threads (default: torch's)")
    run_group.add_argument("--no-progress", action="store_true", help="no progress bar")
    run_group.add_argument("--no-plots", action="store_true", help="do not write PNG plots")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object on stdout (logs go to stderr)"
    )


def vmc_options(args: argparse.Namespace) -> VMCOptions:
    """Flags over the config file's ``[vmc]`` table over the defaults, validated."""
    table: dict[str, Any] = {}
    source = "command line"
    if args.config is not None:
        table = load_toml(args.config).get("vmc", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{args.config}: expected [vmc] to be a table, got {table!r}")
        known = {field.name for field in fields(VMCOptions)}
        unknown = sorted(set(table) - known)
        if unknown:
            raise ConfigError(
                f"{args.config} [vmc]: unknown keys {unknown}; expected keys from {sorted(known)}"
            )
        source = f"{args.config} [vmc]"
    for field in fields(VMCOptions):
        flag = getattr(args, field.name, None)
        if flag is not None:
            table[field.name] = flag
    options = VMCOptions(**table)
    options.validate(source)
    return options


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    """Run or resume VMC and report; returns the exit code."""
    if args.threads is not None:
        if args.threads < 1:
            raise ConfigError(f"expected a positive number of threads, got {args.threads}")
        torch.set_num_threads(args.threads)
    if args.resume:
        if args.out is None:
            raise ConfigError("--resume needs --out, the run directory to continue")
        config = Path(args.out) / CONFIG_FILE
        if args.config is None and config.exists():
            args.config = str(config)  # resume with the stored settings, flags on top
    table, source = system_table_from_arguments(args)
    options = vmc_options(args)
    system, options, notes = apply_physics_defaults(table, options, source)
    for note in notes:
        _log(f"qgen vmc: {note}")
    out = args.out or _default_out(system.hamiltonian, system.lattice, system.size_label, options)
    summary = run_vmc(
        system,
        options,
        out,
        resume=args.resume,
        progress=not args.no_progress,
        plots=not args.no_plots,
    )
    if args.json:
        print(to_json(summary))
        return 0
    _print_summary(summary)
    return 0


def _default_out(hamiltonian: str, lattice: str, size: str, options: VMCOptions) -> str:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return str(Path("runs") / f"vmc-{hamiltonian}-{lattice}{size}-{options.model}-{stamp}")


def _print_summary(summary: dict[str, Any]) -> None:
    energy, error = summary["energy"], summary["energy_error"]
    print(f"energy        {energy:.8f} ± {error:.1e}   ({summary['final_samples']} samples)")
    print(f"variance      {summary['energy_variance']:.3e}   V-score {summary['v_score']:.2e}")
    if summary["exact_energy"] is not None:
        print(
            f"exact         {summary['exact_energy']:.8f}   "
            f"relative error {summary['relative_error']:.2e}"
        )
    else:
        print("exact         unknown (no tabulated value and too large for ED)")
    if summary.get("r_hat") is not None:
        print(
            f"chains        tau_corr {summary['tau_corr']:.2f}   split-R̂ {summary['r_hat']:.4f}   "
            f"acceptance {summary['acceptance']:.2f}   ({summary['sampler']} sampler)"
        )
    per_iteration = summary["seconds_per_iteration"]
    timing = f", {per_iteration:.3f} s per iteration" if per_iteration is not None else ""
    print(f"parameters    {summary['n_parameters']:,}, {summary['iterations']} iterations{timing}")
    print(f"run directory {summary['run_directory']}")
