"""``qgen ebm``: a Bernoulli RBM trained by CD-k or PCD on classical Ising configurations."""

from __future__ import annotations

import json
from typing import Any

from qgen.cli.command import Command, Inputs
from qgen.ebm.experiment import EBMOptions, run_ebm
from qgen.runs import to_json
from qgen.workflow import default_run_directory

__all__ = ["COMMAND"]


def _handle(inputs: Inputs) -> dict[str, Any]:
    options = inputs.tables["ebm"]
    assert isinstance(options, EBMOptions)
    run = inputs.run
    out = run.out or default_run_directory(f"ebm-{options.size}-T{options.temperature:g}")
    return run_ebm(
        options,
        out,
        resume=run.resume,
        progress=run.progress,
        plots=run.plots,
        log=inputs.log,
    )


def _report(summary: dict[str, Any]) -> None:
    print(json.dumps(json.loads(to_json(summary)), indent=2))


COMMAND = Command(
    name="ebm",
    help="train a Bernoulli RBM (CD-k / PCD) on 2D Ising data; NLL by AIS, histograms",
    description=(
        "Train a Bernoulli RBM on Monte Carlo samples of the classical 2D Ising model by "
        "contrastive divergence (CD-k) or persistent CD, estimate the held-out NLL with "
        "log Z from annealed importance sampling (exact for small models), and compare "
        "the energy and magnetization histograms of the model's samples with the data's."
    ),
    tables=(EBMOptions,),
    handler=_handle,
    report=_report,
)
