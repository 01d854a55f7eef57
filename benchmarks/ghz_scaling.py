"""Training samples an outcome model needs to learn the pure GHZ state of N qubits to
classical fidelity 0.99, for N = 10 … 80 and the Pauli-4 and Pauli-6 POVMs.

The benchmark of Carrasquilla, Torlai, Melko, Aolita, Nat. Mach. Intell. 1, 155 (2019),
Fig. 2 (an RNN, Pauli-4: about 43,000, 56,500, 75,700, 90,000, 98,000 samples for N = 10,
20, 40, 60, 80) and of Cha et al., Mach. Learn.: Sci. Technol. 3, 01LT01 (2022) (a
Transformer, Pauli-6: 6,000, 8,000, 10,000, 11,500, 13,000). The data are exact samples
of the four-term product sum of GHZ (:func:`qgen.exact.ghz_product_sum`); the model is
trained as ``qgen tomo --mixed`` trains it by default (10% held out for early stopping on
a significant loss of held-out likelihood, Adam with cosine decay), and its classical fidelity
:math:`F_c = \\mathbb E_{a\\sim P}\\sqrt{P_{GHZ}(a)/P(a)}` is estimated from 10,000 model
samples with its standard error. For each N and POVM the sample sizes of ``--ladder``
are tried in order until :math:`F_c - 2\\sigma \\ge 0.99`.

    python benchmarks/ghz_scaling.py --sizes 10 20 40 60 80 --povms pauli6 pauli4
"""

from __future__ import annotations

import argparse
import time

import torch
from _generative_common import emit, meta

from qgen.driver import cosine_schedule
from qgen.exact import POVMS, ghz_product_sum
from qgen.tomography.povm_data import POVMData
from qgen.tomography.povm_model import (
    POVMTrainer,
    build_povm_model,
    classical_fidelity_monte_carlo,
)
from qgen.tomography.workflow import DEFAULT_LEARNING_RATES


def train_and_measure(args: argparse.Namespace, n_sites: int, povm: str, n_samples: int) -> dict:
    state = ghz_product_sum(n_sites)
    measurement = POVMS[povm]
    data = POVMData(state.sample(measurement, n_samples, seed=args.seed), povm)
    train, validation = data.split(0.1, seed=args.seed)
    model = build_povm_model(args.model, n_sites, povm, seed=args.seed)
    learning_rate = args.lr or DEFAULT_LEARNING_RATES[args.model]
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    trainer = POVMTrainer(
        model,
        train,
        validation,
        optimizer,
        batch_size=args.batch_size,
        patience=args.patience,
        scheduler=cosine_schedule(optimizer, args.epochs, floor=0.02),
        seed=args.seed,
    )
    start = time.perf_counter()
    trainer.run(args.epochs, progress=False)
    seconds = time.perf_counter() - start
    generator = torch.Generator().manual_seed(args.seed + 1)
    fidelity = classical_fidelity_monte_carlo(
        model,
        lambda outcomes: state.log_probabilities(outcomes, measurement),
        args.estimate_samples,
        generator,
    )
    return {
        "record": "run",
        "n_sites": n_sites,
        "povm": povm,
        "model": args.model,
        "n_samples": n_samples,
        "classical_fidelity": fidelity["value"],
        "classical_fidelity_error": fidelity["error"],
        "epochs": trainer.steps,
        "best_epoch": trainer.best_step,
        "train_seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 20, 40, 60, 80])
    parser.add_argument("--povms", nargs="+", default=["pauli6", "pauli4"])
    parser.add_argument("--model", default="rnn", choices=["rnn", "transformer", "made"])
    parser.add_argument(
        "--ladder", type=int, nargs="+", default=[500, 1000, 2000, 4000, 8000, 16000]
    )
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--lr", type=float, default=None, help="default: the command's")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--patience", type=int, default=20, help="the command's default")
    parser.add_argument("--estimate-samples", type=int, default=10000)
    parser.add_argument("--target", type=float, default=0.99)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    emit(meta("ghz_scaling.py", vars(args)))
    for povm in args.povms:
        for n_sites in args.sizes:
            reached = None
            for n_samples in args.ladder:
                row = train_and_measure(args, n_sites, povm, n_samples)
                emit(row)
                if row["classical_fidelity"] - 2 * row["classical_fidelity_error"] >= args.target:
                    reached = n_samples
                    break
            emit(
                {
                    "record": "needed",
                    "n_sites": n_sites,
                    "povm": povm,
                    "model": args.model,
                    "samples_to_target": reached,
                    "target": args.target,
                    "bracket": None if reached is None else _bracket(args.ladder, reached),
                }
            )


def _bracket(ladder: list[int], reached: int) -> list[int | None]:
    """The ladder step below the first size that reached the target, and that size."""
    index = ladder.index(reached)
    return [ladder[index - 1] if index > 0 else None, reached]


if __name__ == "__main__":
    main()
