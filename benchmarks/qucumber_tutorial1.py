"""QuCumber 1.3.3 on its tutorial 1 (TFIM chain N=10, 10,000 z samples): wall time and
fidelity, for the comparison in issue 6. QuCumber is not a dependency of qgen; install it
outside the project's environment and put it on the path, e.g.::

    pip install --no-deps --target /tmp/qc-target qucumber==1.3.3
    PYTHONPATH=/tmp/qc-target flock /tmp/qgen-cpu.lock python benchmarks/qucumber_tutorial1.py

The tutorial's settings: a positive RBM with 10 hidden units, 500 epochs, positive batch
100, negative batch 200, learning rate 0.01, CD-10, fidelity and KL every 10 epochs
(``--period``), seed 1234. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from qgen.datasets import qucumber_tutorial

DATA = qucumber_tutorial(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument("--period", type=int, default=10, help="epochs between metrics")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    import qucumber  # lazy: not a qgen dependency
    import qucumber.utils.data as data
    import qucumber.utils.training_statistics as ts
    from qucumber.callbacks import MetricEvaluator
    from qucumber.nn_states import PositiveWaveFunction

    qucumber.set_random_seed(1234, cpu=True, gpu=False)
    train_data, true_psi = data.load_data(
        str(DATA / "tfim1d_data.txt"), str(DATA / "tfim1d_psi.txt")
    )
    n = train_data.shape[-1]
    nn_state = PositiveWaveFunction(num_visible=n, num_hidden=n, gpu=False)
    space = nn_state.generate_hilbert_space()
    metrics = MetricEvaluator(
        args.period,
        {"fidelity": ts.fidelity, "KL": ts.KL},
        target=true_psi,
        verbose=False,
        space=space,
    )
    start = time.perf_counter()
    nn_state.fit(
        train_data,
        epochs=args.epochs,
        pos_batch_size=100,
        neg_batch_size=200,
        lr=0.01,
        k=10,
        callbacks=[metrics],
    )
    seconds = time.perf_counter() - start
    fidelities = [float(f) for f in metrics["fidelity"]]
    print(
        json.dumps(
            {
                "qucumber": qucumber.__version__,
                "torch": torch.__version__,
                "threads": args.threads,
                "epochs": args.epochs,
                "seconds": seconds,
                "fidelity": float(ts.fidelity(nn_state, true_psi, space)),
                "best_fidelity": max(fidelities),
                "kl": float(ts.KL(nn_state, true_psi, space)),
            }
        )
    )


if __name__ == "__main__":
    main()
