"""``qgen generative``: train a flow, GAN, VAE or autoencoder on a toy or Ising dataset."""

from __future__ import annotations

from qgen.cli import CATALOG
from qgen.cli.command import Command, print_json, workflow_handler
from qgen.generative.experiment import GenerativeOptions, run_experiment

__all__ = ["COMMAND"]

COMMAND = Command(
    name="generative",
    help=CATALOG["generative"],
    description=(
        "Train a generative model on seeded samples of a dataset, select it on held-out "
        "data, and report held-out figures (test NLL, energy distance, mode coverage)."
    ),
    tables=(GenerativeOptions,),
    handler=workflow_handler(
        "generative",
        run_experiment,
        lambda options: f"generative-{options.model}-{options.dataset}",
    ),
    report=print_json,
    default_threads=1,
)
