"""``qgen generative``: train a flow, GAN, VAE or autoencoder on a toy or Ising dataset."""

from __future__ import annotations

import json
from typing import Any

from qgen.cli.command import Command, Inputs
from qgen.generative.experiment import GenerativeOptions, run_experiment
from qgen.runs import to_json
from qgen.workflow import default_run_directory

__all__ = ["COMMAND"]


def _handle(inputs: Inputs) -> dict[str, Any]:
    options = inputs.tables["generative"]
    assert isinstance(options, GenerativeOptions)
    run = inputs.run
    out = run.out or default_run_directory(f"generative-{options.model}-{options.dataset}")
    return run_experiment(
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
    name="generative",
    help="train a flow, GAN, VAE or autoencoder on 2D toy or Ising data",
    description=(
        "Train a generative model on seeded samples of a dataset, select it on held-out "
        "data, and report held-out figures (test NLL, energy distance, mode coverage)."
    ),
    tables=(GenerativeOptions,),
    handler=_handle,
    report=_report,
)
