"""A whole VMC run from a system and options: what ``qgen vmc`` does, as a function.

:func:`prepare` applies the physics defaults (Marshall sign rule and ``S^z = 0`` for
Heisenberg-type antiferromagnets, a phase head for frustrated J1-J2), builds the model,
sampler, optimizer and driver, and finds the exact energy. :func:`run_vmc` runs it in a
run directory (config, log, checkpoints, plots, ``summary.json``) and returns the summary.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from qgen.driver import cosine_schedule
from qgen.errors import ConfigError
from qgen.lattice import Lattice
from qgen.models.registry import AUTOREGRESSIVE_MODELS, build_model
from qgen.operators.pauli import PauliSum
from qgen.reference import ReferenceEnergy, exact_ground_energy
from qgen.runs import RunDirectory
from qgen.sampling.metropolis import MetropolisSampler
from qgen.sampling.samplers import AutoregressiveSampler, ExactSampler, Sampler
from qgen.system import System
from qgen.vmc.driver import VMC
from qgen.vmc.options import VMCOptions
from qgen.vmc.sr import SR

__all__ = [
    "PreparedRun",
    "apply_physics_defaults",
    "build_sampler",
    "prepare",
    "run_vmc",
    "sampler_name",
]

_CONSERVES_SZ = ("heisenberg", "xxz", "j1j2")


def apply_physics_defaults(
    system_table: Mapping[str, Any], options: VMCOptions, source: str = "[system]"
) -> tuple[System, VMCOptions, list[str]]:
    """Fill in what the user left unset, and say what was chosen.

    - ``sign_rule``: on for antiferromagnetic (J > 0) Heisenberg-type models on bipartite
      lattices, where the Marshall rule makes the Hamiltonian stoquastic (exactly so for
      J2 = 0) and a positive model can represent the ground state;
    - ``u1``: project on ``S^z`` (``sector``, default 0) when the Hamiltonian conserves it;
    - ``phase``: a phase head for j1j2, whose sign structure the Marshall rule only
      approximates.
    """
    table = dict(system_table)
    notes: list[str] = []
    probe = System.from_mapping(table, source=source)
    lattice = probe.build_lattice()
    conserves = probe.hamiltonian in _CONSERVES_SZ
    antiferromagnet = conserves and probe.parameters["J"] > 0
    if "sign_rule" not in table and antiferromagnet and lattice.is_bipartite:
        table["sign_rule"] = True
        notes.append("Marshall sign rule on (pass --no-sign-rule to turn it off)")
    u1 = options.u1 if options.u1 is not None else conserves
    if u1 and "sector" not in table:
        if not conserves:
            raise ConfigError(
                f"the U(1) projection needs a Hamiltonian that conserves S^z; "
                f"{probe.hamiltonian} does not (drop --u1)"
            )
        if probe.n_sites % 2 == 0:
            table["sector"] = 0.0
            where = "model projected" if options.model in AUTOREGRESSIVE_MODELS else "sampling"
            notes.append(f"{where} on S^z = 0 (pass --no-u1 for the full space)")
        else:
            u1 = False
    if table.get("sector") is not None and not conserves:
        raise ConfigError(
            f"{probe.hamiltonian} does not conserve S^z, so it has no magnetization sector; "
            "drop --sector"
        )
    phase = options.phase if options.phase is not None else probe.hamiltonian == "j1j2"
    system = System.from_mapping(table, source=source)
    return system, replace(options, u1=u1, phase=phase), notes


@dataclass
class PreparedRun:
    """The pieces of a VMC run, ready to iterate."""

    system: System
    options: VMCOptions
    lattice: Lattice
    hamiltonian: PauliSum
    model: nn.Module
    driver: VMC
    exact: ReferenceEnergy | None


def prepare(system: System, options: VMCOptions) -> PreparedRun:
    """Build model, sampler, optimizer and driver, and look up the exact energy."""
    lattice = system.build_lattice()
    hamiltonian = system.build_hamiltonian(lattice)
    magnetization = system.sector if options.u1 else None
    torch.manual_seed(options.seed)  # parameter initialization
    model = build_model(
        options.model,
        lattice,
        hidden=options.hidden,
        layers=options.layers,
        heads=options.heads,
        patch_size=options.patch_size,
        magnetization=magnetization,
        phase=bool(options.phase),
        alpha=options.alpha,
        dtype=getattr(torch, options.dtype),
        symmetry=options.symmetry,
        spin_flip=options.spin_flip,
    )
    bond_orders = (1, 2) if system.hamiltonian == "j1j2" else (1,)
    sampler = build_sampler(model, lattice, options, magnetization, bond_orders)
    lr = options.learning_rate
    preconditioner = None
    if options.optimizer == "adam":
        optimizer: torch.optim.Optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        if options.optimizer in ("sr", "minsr"):
            method = "auto" if options.optimizer == "sr" else "samples"
            preconditioner = SR(options.diag_shift, method=method, momentum=options.momentum)
    scheduler = None
    if options.lr_schedule == "cosine":
        scheduler = cosine_schedule(optimizer, max(options.iterations, 1), floor=0.05)
    temperature = None
    if options.anneal_temperature > 0:
        temperature = _linear_temperature(options.anneal_temperature, options.anneal_iterations)
    exact = exact_ground_energy(system, magnetization=system.sector)
    driver = VMC(
        hamiltonian,
        model,
        sampler,
        optimizer,
        options.samples,
        preconditioner=preconditioner,
        scheduler=scheduler,
        temperature=temperature,
        exact_energy=None if exact is None else exact.energy,
        seed=options.seed,
        chunk_size=options.chunk_size,
        clip_width=options.clip_width,
    )
    return PreparedRun(system, options, lattice, hamiltonian, model, driver, exact)


def sampler_name(options: VMCOptions, magnetization: float | None) -> str:
    """The sampler ``options.sampler`` stands for (``auto`` resolved)."""
    if options.sampler != "auto":
        return options.sampler
    if options.model in AUTOREGRESSIVE_MODELS:
        return "autoregressive"
    return "exchange" if magnetization is not None else "local"


def build_sampler(
    model: nn.Module,
    lattice: Lattice,
    options: VMCOptions,
    magnetization: float | None,
    bond_orders: tuple[int, ...] = (1,),
) -> Sampler:
    """The sampler of ``options`` for ``model``, keeping the S^z sector ``magnetization``;
    the exchange rule swaps spins along the lattice bonds of ``bond_orders``.

    Autoregressive models are projected on the sector themselves; RBMs stay in it because
    the exchange rule conserves the magnetization of the chains' initial states.
    """
    name = sampler_name(options, magnetization)
    if name == "autoregressive":
        if options.model not in AUTOREGRESSIVE_MODELS:
            raise ConfigError(
                f"the autoregressive sampler needs an autoregressive model, not {options.model!r};"
                " use --sampler local, exchange or exact"
            )
        return AutoregressiveSampler(model)
    if name == "exact":
        return ExactSampler(model, lattice.n_sites, magnetization)
    if name == "local" and magnetization is not None:
        raise ConfigError(
            f"the local sampler flips single spins, which leaves the S^z = {magnetization:g} "
            "sector; use --sampler exchange, or --no-u1 to sample the whole space"
        )
    if name == "exchange" and magnetization is None:
        raise ConfigError(
            "the exchange sampler conserves S^z, so it needs a sector to start in: keep the "
            "U(1) projection (--u1, --sector) on a Hamiltonian that conserves S^z, or use "
            "--sampler local"
        )
    bonds = np.concatenate([lattice.bonds(order) for order in bond_orders])
    return MetropolisSampler(
        model,
        lattice.n_sites,
        rule=name,
        n_chains=options.chains,
        bonds=bonds if name == "exchange" else None,
        magnetization=magnetization,
        sweep_size=options.sweep_size,
        n_replicas=options.replicas,
    )


def _linear_temperature(initial: float, iterations: int) -> Callable[[int], float]:
    def temperature(iteration: int) -> float:
        if iterations <= 0:
            return 0.0
        return initial * max(0.0, 1.0 - iteration / iterations)

    return temperature


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_vmc(
    system: System,
    options: VMCOptions,
    out: str | Path,
    *,
    resume: bool = False,
    progress: bool = True,
    plots: bool = True,
    log: Callable[[str], None] = _log,
) -> dict[str, Any]:
    """Run (or resume) VMC in the directory ``out`` and return the summary.

    The directory receives ``config.toml``, ``log.jsonl``, ``checkpoint.pt``,
    ``summary.json`` and, with ``plots``, ``energy.png`` and ``relative_error.png``.
    """
    run_dir = RunDirectory(out, resume=resume)
    run_dir.write_config({"system": system.to_table(), "vmc": options.to_table()})
    prepared = prepare(system, options)
    driver = prepared.driver
    if resume:
        driver.restore(run_dir)
        log(f"qgen vmc: resuming {run_dir.path} at iteration {driver.iteration}")
    n_parameters = sum(p.numel() for p in prepared.model.parameters() if p.requires_grad)
    log(f"qgen vmc: {system.describe()}")
    log(
        f"qgen vmc: {options.model} with {n_parameters:,} parameters, {driver.sampler!r}, "
        f"{options.optimizer} (lr {options.learning_rate:g}), {options.samples} samples, "
        f"{options.iterations} iterations -> {run_dir.path}"
    )
    if prepared.exact is not None:
        log(f"qgen vmc: exact energy {prepared.exact.energy:.10f} ({prepared.exact.source})")

    start = time.perf_counter()
    records = driver.run(
        options.iterations,
        run_dir=run_dir,
        checkpoint_every=options.checkpoint_every,
        progress=progress,
    )
    seconds = time.perf_counter() - start
    history = run_dir.read_log()
    timed = [r["seconds"] for r in history if r.get("seconds") is not None]
    final = driver.estimate_record(options.final_samples)
    summary: dict[str, Any] = {
        "energy": final["energy"],
        "energy_error": final["energy_error"],
        "energy_variance": final["energy_variance"],
        "v_score": final["v_score"],
        "exact_energy": None if prepared.exact is None else prepared.exact.energy,
        "exact_source": None if prepared.exact is None else prepared.exact.source,
        "relative_error": final.get("relative_error"),
        "n_parameters": n_parameters,
        "iterations": driver.iteration,
        "sampler": sampler_name(options, system.sector if options.u1 else None),
        "tau_corr": final.get("tau_corr"),
        "r_hat": final.get("r_hat"),
        "acceptance": final.get("acceptance"),
        "seconds_per_iteration": sum(timed) / len(timed) if timed else None,
        "seconds_this_session": seconds,
        "iterations_this_session": len(records),
        "final_samples": options.final_samples,
        "n_sites": system.n_sites,
        "system": system.to_table(),
        "vmc": options.to_table(),
        "run_directory": str(run_dir.path),
    }
    run_dir.write_summary(summary)
    if plots and history:
        _plot_history(run_dir, history, summary["exact_energy"])
    return summary


def _plot_history(
    run_dir: RunDirectory, history: list[dict[str, Any]], exact: float | None
) -> None:
    from qgen.plotting import series_plot

    iterations = [r["iteration"] for r in history]
    series_plot(
        run_dir.path / "energy.png",
        iterations,
        {"VMC": [r.get("energy") for r in history]},
        "iteration",
        "energy",
        errors={"VMC": [r.get("energy_error") for r in history]},
        hlines=None if exact is None else {"exact": exact},
    )
    relative = [r.get("relative_error") for r in history]
    if any(value is not None and value > 0 and math.isfinite(value) for value in relative):
        series_plot(
            run_dir.path / "relative_error.png",
            iterations,
            {"|E - E_exact| / |E_exact|": [v if v and v > 0 else None for v in relative]},
            "iteration",
            "relative error",
            log_y=True,
        )
