"""``qgen vmc``: variational ground states with autoregressive and RBM wave functions."""

from __future__ import annotations

from typing import Any

from qgen.cli import CATALOG
from qgen.cli.command import Command, Inputs
from qgen.vmc.options import VMCOptions
from qgen.vmc.workflow import apply_physics_defaults, run_vmc
from qgen.workflow import default_run_directory

__all__ = ["COMMAND"]


def _handle(inputs: Inputs) -> dict[str, Any]:
    assert inputs.system is not None
    options = inputs.tables["vmc"]
    assert isinstance(options, VMCOptions)
    system, options, notes = apply_physics_defaults(inputs.system, options)
    for note in notes:
        inputs.log(f"qgen vmc: {note}")
    run = inputs.run
    name = f"vmc-{system.hamiltonian}-{system.lattice}{system.size_label}-{options.model}"
    out = run.out or default_run_directory(name)
    return run_vmc(
        system,
        options,
        out,
        resume=run.resume,
        progress=run.progress,
        plots=run.plots,
        log=inputs.log,
        device=inputs.device,
    )


def _report(summary: dict[str, Any]) -> None:
    energy, error = summary["energy"], summary["energy_error"]
    print(f"energy        {energy:.8f} ± {error:.1e} J   ({summary['final_samples']} samples)")
    print(
        f"per site      {summary['energy_per_site']:.8f} ± {summary['energy_per_site_error']:.1e} J"
    )
    print(f"variance      {summary['energy_variance']:.3e} J²   V-score {summary['v_score']:.2e}")
    if summary["exact_energy"] is not None:
        if summary["consistent_with_exact"]:
            accuracy = f"consistent with exact: |ΔE|/|E0| < {summary['relative_error_bound']:.1e}"
        else:
            accuracy = (
                f"relative error {summary['relative_error']:.2e} ± "
                f"{summary['relative_error_error']:.1e}"
            )
        print(f"exact         {summary['exact_energy']:.8f} J   {accuracy}")
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


COMMAND = Command(
    name="vmc",
    help=CATALOG["vmc"],
    description=(
        "Variational Monte Carlo with an autoregressive wave function (exact sampling) or "
        "an RBM (Metropolis chains). With no flags: the Heisenberg chain of 16 sites with "
        "an RNN, compared with ED."
    ),
    tables=(VMCOptions,),
    handler=_handle,
    report=_report,
    system=True,
    gpu=True,
    processes=True,
)
