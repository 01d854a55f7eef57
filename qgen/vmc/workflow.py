"""A whole VMC run from a system and options: what ``qgen vmc`` does, as functions.

:func:`apply_physics_defaults` fills in what the user left to qgen (the Marshall sign
rule and ``S^z = 0`` for antiferromagnets, a phase head where the signs are not known),
:func:`prepare` builds the model, sampler, optimizer and driver and finds the exact
energy, and :func:`run_vmc` runs it through :func:`qgen.workflow.execute` in a run
directory (config, log, checkpoints, plots, ``summary.json``) and returns the summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from qgen._memory import check_memory
from qgen.distributed import current
from qgen.driver import cosine_schedule, initial_parameters
from qgen.errors import ConfigError
from qgen.lattice import Lattice
from qgen.models.registry import MODELS, build_model
from qgen.operators.pauli import PauliSum
from qgen.reference import exact_ground_energy
from qgen.runs import RunDirectory
from qgen.sampling.metropolis import RULES, MetropolisSampler
from qgen.sampling.samplers import AutoregressiveSampler, ExactSampler, Sampler
from qgen.system import ReferenceEnergy, System
from qgen.vmc.driver import VMC
from qgen.vmc.options import VMCOptions
from qgen.vmc.sr import SR
from qgen.workflow import Plan, execute, log_to_stderr

__all__ = [
    "PreparedRun",
    "apply_physics_defaults",
    "build_sampler",
    "plan",
    "prepare",
    "run_vmc",
    "sampler_name",
]


def apply_physics_defaults(
    system: System, options: VMCOptions
) -> tuple[System, VMCOptions, list[str]]:
    """Fill in what the user left unset, and say what was chosen.

    - ``sign_rule``: on for antiferromagnets on bipartite lattices (the Hamiltonian's
      registration says which are), where the Marshall rule makes the Hamiltonian
      stoquastic (exactly so for J2 = 0) and a positive model can represent the ground
      state;
    - ``u1``: project on ``S^z`` (``sector``, default 0) when the Hamiltonian conserves it;
    - ``phase``: a phase head where the sign structure is not known (J1-J2, whose signs
      the Marshall rule only approximates; Hamiltonians given by their Pauli terms).
    """
    notes: list[str] = []
    lattice = system.build_lattice()
    conserves = system.conserves_magnetization
    if system.sign_rule is None:
        rule = system.marshall_default(lattice)
        system = replace(system, sign_rule=rule)
        if rule:
            notes.append("Marshall sign rule on (pass --no-sign-rule to turn it off)")
    u1 = options.u1 if options.u1 is not None else conserves
    if u1 and not conserves:
        raise ConfigError(
            f"--u1 projects on S^z, which the {system.hamiltonian} Hamiltonian does not "
            "conserve; drop --u1"
        )
    if u1 and system.sector is None:
        if system.n_sites % 2 == 0:
            system = replace(system, sector=0.0)
            where = "model projected" if MODELS[options.model].autoregressive else "sampling"
            notes.append(f"{where} on S^z = 0 (pass --no-u1 for the full space)")
        else:
            u1 = False
    phase = options.phase if options.phase is not None else system.needs_phase
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


def prepare(
    system: System, options: VMCOptions, device: torch.device | str | None = None
) -> PreparedRun:
    """Build model, sampler, optimizer and driver on ``device`` (default: the CPU), and
    look up the exact energy. The initial parameters are drawn on the CPU, so that the
    same seed starts the same model on every device. In a multi-process run
    (:func:`qgen.distributed.current`) each rank gets its share of the samples and chains.
    """
    ranks = current()
    lattice = system.build_lattice()
    # A lower bound (the samples and a few per-sample arrays of their size), checked before
    # the Hamiltonian and the model are built.
    check_memory(
        16 * max(options.samples, options.final_samples) * lattice.n_sites * 8,
        f"{max(options.samples, options.final_samples):,} samples of {lattice.n_sites} sites",
        hint="use fewer --samples / --final-samples",
    )
    hamiltonian = system.build_hamiltonian(lattice)
    magnetization = system.sector if options.u1 else None
    with initial_parameters(options.seed):
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
    model.to(torch.device("cpu") if device is None else device)
    chains = ranks.share(options.chains)
    sampler = build_sampler(
        model, lattice, replace(options, chains=chains), magnetization, system.bond_orders
    )
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
        ranks=ranks,
    )
    return PreparedRun(system, options, lattice, hamiltonian, model, driver, exact)


def sampler_name(options: VMCOptions, magnetization: float | None) -> str:
    """The sampler ``options.sampler`` stands for (``auto`` resolved)."""
    if options.sampler != "auto":
        return options.sampler
    if MODELS[options.model].autoregressive:
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
    a bond rule (exchange) moves along the lattice bonds of ``bond_orders``.

    Autoregressive models are projected on the sector themselves; RBMs stay in it because
    the exchange rule conserves the magnetization of the chains' initial states.
    """
    name = sampler_name(options, magnetization)
    if name == "autoregressive":
        if not MODELS[options.model].autoregressive:
            raise ConfigError(
                f"the autoregressive sampler needs an autoregressive model, not {options.model!r};"
                " use --sampler local, exchange or exact"
            )
        return AutoregressiveSampler(model)
    if name == "exact":
        return ExactSampler(model, lattice.n_sites, magnetization)
    rule = RULES[name]
    if not rule.swaps and magnetization is not None:
        raise ConfigError(
            f"the {name} sampler leaves the S^z = {magnetization:g} sector; use --sampler "
            "exchange, or --no-u1 to sample the whole space"
        )
    if rule.swaps and magnetization is None:
        raise ConfigError(
            f"the {name} sampler conserves S^z, so it needs a sector to start in: keep the "
            "U(1) projection (--u1, --sector) on a Hamiltonian that conserves S^z, or use "
            "--sampler local"
        )
    bonds = np.concatenate([lattice.bonds(order) for order in bond_orders])
    return MetropolisSampler(
        model,
        lattice.n_sites,
        rule=name,
        n_chains=options.chains,
        bonds=bonds if rule.uses_bonds else None,
        magnetization=magnetization,
        sweep_size=options.sweep_size,
        n_replicas=options.replicas,
    )


def _linear_temperature(initial: float, iterations: int) -> Callable[[int], float]:
    def temperature(iteration: int) -> float:
        return initial * max(0.0, 1.0 - iteration / iterations)

    return temperature


CONSISTENCY_SIGMAS = 2.0
"""A difference from the exact energy below this many error bars is reported as a bound."""


def relative_error_summary(record: dict[str, Any]) -> dict[str, Any]:
    """The relative error :math:`|E - E_0|/|E_0|` of a record with its uncertainty
    :math:`\\sigma_E/|E_0|`; when the difference is below :data:`CONSISTENCY_SIGMAS` error
    bars the data support no finer statement than the bound :math:`(|E - E_0| +
    2\\sigma_E)/|E_0|`, reported as ``relative_error_bound`` with
    ``consistent_with_exact``."""
    relative = record.get("relative_error")
    if relative is None:
        return {
            "relative_error": None,
            "relative_error_error": None,
            "consistent_with_exact": None,
            "relative_error_bound": None,
        }
    error = record["relative_error_error"]
    consistent = relative < CONSISTENCY_SIGMAS * error
    return {
        "relative_error": relative,
        "relative_error_error": error,
        "consistent_with_exact": consistent,
        "relative_error_bound": relative + CONSISTENCY_SIGMAS * error if consistent else None,
    }


def plan(system: System, options: VMCOptions, device: torch.device | str | None = None) -> Plan:
    """The VMC run as a :class:`~qgen.workflow.Plan` for :func:`~qgen.workflow.execute`."""
    prepared = prepare(system, options, device)
    driver = prepared.driver
    ranks = driver.ranks
    n_parameters = sum(p.numel() for p in prepared.model.parameters() if p.requires_grad)
    notes = [
        system.describe(),
        f"{options.model} with {n_parameters:,} parameters, {driver.sampler!r}, "
        f"{options.optimizer} (lr {options.learning_rate:g}), {options.samples} samples, "
        f"{options.iterations} iterations",
    ]
    if prepared.exact is not None:
        notes.append(f"exact energy {prepared.exact.energy:.10f} ({prepared.exact.source})")
    if ranks.distributed:
        notes.append(
            f"{ranks.world_size} processes ({ranks.backend}), {driver.samples_per_rank:,} "
            f"samples per process on {driver.device}"
        )
    for total, what in [(options.samples, "samples"), (options.final_samples, "final samples")]:
        note = ranks.share_note(total, what)
        if note is not None:
            notes.append(note)
    if not MODELS[options.model].autoregressive and options.sampler != "exact":
        note = ranks.share_note(options.chains, "Markov chains")
        if note is not None:
            notes.append(note)

    def summarize(history: list[dict[str, Any]]) -> dict[str, Any]:
        final = driver.estimate_record(options.final_samples)
        timed = [r["seconds"] for r in history if r.get("seconds") is not None]
        exact = prepared.exact
        return {
            "energy": final["energy"],
            "energy_error": final["energy_error"],
            "energy_variance": final["energy_variance"],
            "v_score": final["v_score"],
            "exact_energy": None if exact is None else exact.energy,
            "exact_source": None if exact is None else exact.source,
            **relative_error_summary(final),
            "energy_per_site": final["energy"] / system.n_sites,
            "energy_per_site_error": final["energy_error"] / system.n_sites,
            "units": {"energy": "J", "energy_variance": "J^2"},
            "n_parameters": n_parameters,
            "iterations": driver.iteration,
            "sampler": sampler_name(options, system.sector if options.u1 else None),
            "tau_corr": final.get("tau_corr"),
            "r_hat": final.get("r_hat"),
            "acceptance": final.get("acceptance"),
            "seconds_per_iteration": sum(timed) / len(timed) if timed else None,
            "final_samples": options.final_samples,
            "samples_per_rank": driver.samples_per_rank,
            "n_sites": system.n_sites,
        }

    return Plan(driver, options.iterations, options.checkpoint_every, notes, summarize, _plot)


def run_vmc(
    system: System,
    options: VMCOptions,
    out: str | Path | None,
    *,
    resume: bool = False,
    progress: bool | None = None,
    plots: bool = True,
    log: Callable[[str], None] = log_to_stderr,
    device: torch.device | str | None = None,
) -> dict[str, Any]:
    """Run (or resume) VMC in the directory ``out`` on ``device`` and return the summary.

    The directory receives ``config.toml``, ``log.jsonl``, ``checkpoint.pt``,
    ``summary.json`` and, with ``plots``, ``energy.png`` (energy, relative error with its
    statistical floor, and variance per iteration; PDF beside it).
    """
    return execute(
        "vmc",
        lambda: plan(system, options, device),
        {"system": system.to_table(), "vmc": options},
        out=out,
        resume=resume,
        progress=progress,
        plots=plots,
        log=log,
    )


def _plot(run_dir: RunDirectory, history: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    from qgen.run_figures import RunCurves, run_title, vmc_convergence

    final = (summary["energy"], summary["energy_error"])
    curves = RunCurves(run_dir.path.name, history, summary["exact_energy"], final)
    vmc_convergence(run_dir.path / "energy.png", [curves], run_title(summary["config"]))
