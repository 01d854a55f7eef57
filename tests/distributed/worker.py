"""What the tests of tests/distributed run under torchrun (gloo on 127.0.0.1).

``worker.py SCENARIO OUT_DIR``: each rank writes ``rank<r>.json``; a scenario compares
what the ranks compute together with what one process computes from the same data.

``worker.py cli ARGUMENTS…``: ``qgen ARGUMENTS`` with ``{rank}`` replaced by the rank (to
start ranks with different options); with ``QGEN_TEST_FAIL_AT=K`` rank 1 fails at
iteration K (to see every rank stop).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for fixed_samples
from fixed_samples import FixedSampler

from qgen.distributed import SINGLE, initialize, shutdown
from qgen.errors import ConfigError, QgenError
from qgen.lattice import Chain
from qgen.models import RBM, RNN
from qgen.operators.hamiltonians import heisenberg
from qgen.vmc import SR, VMC


def collectives(ranks) -> dict:
    rank = ranks.rank
    rows = torch.arange(rank + 1, dtype=torch.float64).unsqueeze(1) + 10 * rank
    gathered = ranks.gather(rows)
    complex_sum = ranks.sum(torch.tensor([1 + 2j * (rank + 1)], dtype=torch.complex128))
    refused = None
    try:
        ranks.agree({"samples": 100 + rank}, "options")
    except ConfigError as error:
        refused = str(error)
    failed_on_main = None
    try:
        ranks.on_main(lambda: (_ for _ in ()).throw(ConfigError("only rank 0 saw this")))
    except QgenError as error:
        failed_on_main = str(error)
    from qgen.driver import Driver
    from qgen.errors import TrainingError

    class OneProcess(Driver):  # sums nothing over the ranks
        def step(self) -> dict:
            return {}

    refused_driver = None
    try:
        OneProcess(torch.nn.Linear(1, 1), [])
    except TrainingError as error:
        refused_driver = str(error)
    return {
        "refused_driver": refused_driver,
        "gathered": gathered.squeeze(1).tolist(),
        "complex_sum": [complex_sum.real.item(), complex_sum.imag.item()],
        "refused": refused,
        "failed_on_main": failed_on_main,
        "broadcast": ranks.broadcast(f"from rank {rank}"),
    }


def _gradient(model_of, hamiltonian, x, optimizer, ranks) -> torch.Tensor:
    """The parameter change of one VMC step on samples ``x`` (all ranks' or one's)."""
    model = model_of()
    preconditioner = None
    if optimizer != "sgd":
        method = "parameters" if optimizer == "sr" else "samples"
        preconditioner = SR(1e-3, method=method)
    sgd = torch.optim.SGD(model.parameters(), lr=1.0)
    before = torch.cat([p.detach().flatten().clone() for p in model.parameters()])
    driver = VMC(
        hamiltonian, model, FixedSampler(x), sgd, x.shape[0] * ranks.world_size,
        preconditioner=preconditioner, ranks=ranks,
    )  # fmt: skip
    record = driver.advance()
    after = torch.cat([p.detach().flatten() for p in model.parameters()])
    return before - after, record["energy"], record["energy_error"]


def fixed_samples(ranks) -> dict:
    """With the samples fixed, the step of two processes is that of one, in float64."""
    hamiltonian = heisenberg(Chain(8), sign_rule=True)
    n = 64
    results = {}
    cases = {
        "rnn": lambda: _seeded(lambda: RNN(8, hidden=6, magnetization=0, dtype=torch.float64)),
        "rbm": lambda: _seeded(lambda: RBM(8, alpha=1.0, dtype=torch.float64)),
    }
    for name, model_of in cases.items():
        x = torch.randint(0, 2, (n, 8), generator=torch.Generator().manual_seed(3))
        if name == "rnn":
            x = model_of().sample(n, torch.Generator().manual_seed(3))
        part = x[ranks.rank * n // 2 : (ranks.rank + 1) * n // 2]
        for optimizer in ("sgd", "sr", "minsr"):
            alone, energy_alone, error_alone = _gradient(
                model_of, hamiltonian, x, optimizer, SINGLE
            )
            together, energy, error = _gradient(model_of, hamiltonian, part, optimizer, ranks)
            scale = float(alone.abs().max())
            results[f"{name}-{optimizer}"] = {
                "difference": float((alone - together).abs().max()) / scale,
                "energy_difference": abs(energy - energy_alone),
                "error_difference": abs(error - error_alone),
            }
    return results


def _seeded(build):
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return build()


def tomography_epoch(ranks) -> dict:
    """One epoch of exact-NLL training (RNN, Z and X bases; two batches, one of them
    smaller than a whole) changes the parameters as one process does, in float64."""
    from qgen.exact import sample_measurements
    from qgen.exact.named_states import named_state
    from qgen.tomography.training import TomographyTrainer

    psi = named_state("w", 4)
    data = sample_measurements(psi, ["ZZZZ", "XXZZ"], 30, seed=2)
    results = {}
    for label, batch_size in [("two-batches", 40), ("batch-below-ranks", 59)]:
        changes = []
        for group in (SINGLE, ranks):
            model = _seeded(lambda: RNN(4, hidden=5, phase=True, dtype=torch.float64))
            sgd = torch.optim.SGD(model.parameters(), lr=1.0)
            before = torch.cat([p.detach().flatten().clone() for p in model.parameters()])
            trainer = TomographyTrainer(
                model, data, None, sgd, batch_size=batch_size, seed=0, ranks=group
            )
            record = trainer.advance()
            after = torch.cat([p.detach().flatten() for p in model.parameters()])
            changes.append((before - after, record["train_nll"]))
        (alone, nll_alone), (together, nll) = changes
        results[label] = {
            "difference": float((alone - together).abs().max() / alone.abs().max()),
            "nll_difference": abs(nll - nll_alone),
        }
    return results


SCENARIOS = {
    "collectives": collectives,
    "fixed_samples": fixed_samples,
    "tomography_epoch": tomography_epoch,
}


def cli(arguments: list[str]) -> int:
    from qgen.cli.main import main
    from qgen.errors import TrainingError

    rank = os.environ["RANK"]
    fail_at = os.environ.get("QGEN_TEST_FAIL_AT")
    if fail_at is not None and rank == "1":
        step = VMC.step

        def failing_step(driver: VMC) -> dict:
            if driver.steps == int(fail_at):
                raise TrainingError(f"rank 1 fails at iteration {fail_at}, as the test asked")
            return step(driver)

        VMC.step = failing_step  # type: ignore[method-assign]
    return main([argument.replace("{rank}", rank) for argument in arguments])


if __name__ == "__main__":
    if sys.argv[1] == "cli":
        sys.exit(cli(sys.argv[2:]))
    torch.set_num_threads(1)
    scenario, out = sys.argv[1], Path(sys.argv[2])
    ranks, _ = initialize("cpu")
    try:
        result = SCENARIOS[scenario](ranks)
    finally:
        shutdown()
    (out / f"rank{ranks.rank}.json").write_text(json.dumps(result))
