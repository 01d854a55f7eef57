"""``qgen ebm``: a Bernoulli RBM trained by CD-k or PCD on classical Ising configurations."""

from __future__ import annotations

from qgen.cli import CATALOG
from qgen.cli.command import Command, print_json, workflow_handler
from qgen.ebm.experiment import EBMOptions, run_ebm

__all__ = ["COMMAND"]

COMMAND = Command(
    name="ebm",
    help=CATALOG["ebm"],
    description=(
        "Train a Bernoulli RBM on Monte Carlo samples of the classical 2D Ising model by "
        "contrastive divergence (CD-k) or persistent CD, estimate the held-out NLL with "
        "log Z from annealed importance sampling (exact for small models), and compare "
        "the energy and magnetization histograms of the model's samples with the data's."
    ),
    tables=(EBMOptions,),
    handler=workflow_handler(
        "ebm", run_ebm, lambda options: f"ebm-{options.size}-T{options.temperature:g}"
    ),
    report=print_json,
    default_threads=1,
)
