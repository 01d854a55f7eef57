"""``qgen tomo``: reconstruct a state from measurement data and estimate what was not measured.

::

    qgen tomo --data tfim10/ --model rnn --epochs 50 --out runs/tomo-tfim10
    qgen tomo --data samples.txt --bases bases.txt --format qucumber \\
        --model amplitude-phase-rbm --target-psi psi.txt --json
    qgen tomo --mixed --data ghz3-noisy/ --model transformer --json
    qgen tomo --mixed --data counts.json --baseline mle --target-rho rho.npy
"""

from __future__ import annotations

from typing import Any

from qgen.cli import CATALOG
from qgen.cli.command import Command, Inputs
from qgen.errors import ConfigError
from qgen.tomography.workflow import (
    DataSourceOptions,
    TomographyOptions,
    load_data,
    run_tomography,
)
from qgen.workflow import default_run_directory

__all__ = ["COMMAND"]


def _handle(inputs: Inputs) -> dict[str, Any]:
    source, options = inputs.tables["data"], inputs.tables["tomo"]
    assert isinstance(source, DataSourceOptions)
    assert isinstance(options, TomographyOptions)
    run = inputs.run
    if options.mixed:
        from qgen.distributed import current
        from qgen.tomography.mixed_workflow import load_mixed_data, run_mixed_tomography

        if current().distributed:
            raise ConfigError(
                "qgen tomo --mixed runs as one process; start it without torchrun (pure-state "
                "tomography runs as several)"
            )

        mixed = load_mixed_data(source, options.povm)
        name = options.baseline or options.model
        return run_mixed_tomography(
            mixed,
            options,
            run.out or default_run_directory(f"tomo-mixed-{name}"),
            source=source,
            resume=run.resume,
            progress=run.progress,
            plots=run.plots,
            log=inputs.log,
            device=inputs.device,
        )
    if source.target_rho is not None:
        raise ConfigError(
            "--target-rho is a density matrix for --mixed; a pure target is --target-psi"
        )
    data = load_data(source)
    out = run.out or default_run_directory(f"tomo-{options.model}")
    return run_tomography(
        data,
        options,
        out,
        source=source,
        resume=run.resume,
        progress=run.progress,
        plots=run.plots,
        log=inputs.log,
        device=inputs.device,
    )


def _value(entry: dict[str, float]) -> str:
    return f"{entry['value']:.5f} ± {entry['error']:.1e}"


def _report_mixed(summary: dict[str, Any]) -> None:
    def number(key: str, digits: int = 6) -> str:
        value = summary.get(key)
        return "unknown" if value is None else f"{value:.{digits}f}"

    if summary["fidelity"] is None:
        reason = "no target rho" if not summary["target_known"] else "N > 8: rho not built"
        print(f"fidelity        unknown ({reason})")
    else:
        print(f"fidelity        {number('fidelity')} (the physical rho, {summary['projection']})")
        print(f"trace distance  {number('trace_distance')}")
        print(f"classical F     {number('classical_fidelity')} (outcome distributions)")
    if summary.get("min_eigenvalue_before_projection") is not None:
        print(
            f"min eigenvalue  {summary['min_eigenvalue_before_projection']:+.4f} before the "
            f"projection; purity {number('purity', 5)} after"
        )
    exact = summary["exact"]
    direct = summary["data_estimates"]
    for pauli, entry in summary["observables"].items():
        value = f"{entry['value']:+.5f}"
        if entry["error"] is not None:
            value += f" ± {entry['error']:.1e}"
        line = f"<{pauli}>".ljust(16) + value
        line += f"   data {direct[pauli]['value']:+.4f} ± {direct[pauli]['error']:.1e}"
        if exact is not None:
            line += f"   exact {exact[pauli]:+.5f}"
        print(line)
    if "n_parameters" in summary:
        stop = ", stopped early" if summary["stopped_early"] else ""
        print(
            f"model           {summary['method']} over {summary['povm']} "
            f"({summary['n_parameters']:,} parameters), {summary['epochs']} epochs{stop}, "
            f"{summary['seconds_training']:.1f} s training"
        )
    else:
        converged = "" if summary.get("converged", True) else ", NOT converged"
        print(f"baseline        {summary['method']}, {summary['iterations']} iterations{converged}")
    if summary.get("rho") is not None:
        print(f"rho             {summary['rho']}")
    print(f"run directory   {summary['run_directory']}")


def _report(summary: dict[str, Any]) -> None:
    if summary.get("mixed"):
        _report_mixed(summary)
        return
    exact = summary["exact"]
    if summary["fidelity"] is not None:
        print(f"fidelity      {summary['fidelity']:.6f}")
    else:
        print("fidelity      unknown (no target state, or N > 20)")
    if summary["nll"] is not None:
        print(
            f"NLL           {summary['nll']:.5f} (validation)   {summary['train_nll']:.5f} (train)"
        )
    for key in ("sx", "sy"):
        line = f"<{key}>          {_value(summary['observables'][key])}"
        if exact is not None:
            line += f"   exact {exact[key]:.5f}"
        print(line)
    for size, entry in summary["renyi2"].items():
        line = f"S2(l={size:>2})     {_value(entry)}"
        if exact is not None:
            line += f"   exact {exact['renyi2'][size]:.5f}"
        print(line)
    stop = ", stopped early" if summary["stopped_early"] else ""
    print(
        f"model         {summary['model']} ({summary['n_parameters']:,} parameters), "
        f"{summary['epochs']} epochs{stop}, {summary['seconds_training']:.1f} s training"
    )
    print(f"run directory {summary['run_directory']}")


COMMAND = Command(
    name="tomo",
    help=CATALOG["tomo"],
    description=(
        "Train an RNN, Transformer, MADE or amplitude-phase RBM on projective measurements "
        "(negative log-likelihood, rotated bases included), then estimate <sx>, <sy> and "
        "the Renyi-2 curve from its samples, and the fidelity with a known target. With "
        "--mixed: learn the outcome distribution of a product POVM (Pauli-basis records "
        "and device counts are Pauli-6), or fit maximum likelihood or linear inversion "
        "(--baseline), and reconstruct a physical density matrix."
    ),
    tables=(DataSourceOptions, TomographyOptions),
    handler=_handle,
    report=_report,
    gpu=True,
    processes=True,
)
