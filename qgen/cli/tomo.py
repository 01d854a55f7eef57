"""``qgen tomo``: reconstruct a state from measurement data and estimate what was not measured.

::

    qgen tomo --data tfim10/ --model rnn --epochs 50 --out runs/tomo-tfim10
    qgen tomo --data samples.txt --bases bases.txt --format qucumber \\
        --model amplitude-phase-rbm --target-psi psi.txt --json
"""

from __future__ import annotations

from typing import Any

from qgen.cli.command import Command, Inputs
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
    data = load_data(source)
    run = inputs.run
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
    )


def _value(entry: dict[str, float]) -> str:
    return f"{entry['value']:.5f} ± {entry['error']:.1e}"


def _report(summary: dict[str, Any]) -> None:
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
    help="neural-network state tomography from measurement data",
    description=(
        "Train an RNN, Transformer, MADE or amplitude-phase RBM on projective measurements "
        "(negative log-likelihood, rotated bases included), then estimate <sx>, <sy> and "
        "the Renyi-2 curve from its samples, and the fidelity with a known target."
    ),
    tables=(DataSourceOptions, TomographyOptions),
    handler=_handle,
    report=_report,
)
