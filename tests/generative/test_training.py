"""The generative trainers: logs, early stopping, best-state restore, checkpoints, resume."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from qgen.errors import DataError, NonFiniteError
from qgen.generative.flows import RealNVP
from qgen.generative.training import GenerativeTrainer, LikelihoodTrainer
from qgen.runs import RunDirectory


class ScriptedTrainer(GenerativeTrainer):
    """Each epoch adds one to a parameter; held-out losses follow a script."""

    def __init__(self, losses: list[float], train=None, valid=None, **options) -> None:
        model = nn.Linear(1, 1, bias=False)
        nn.init.zeros_(model.weight)
        self.losses = losses
        data = torch.zeros(8, 1)
        super().__init__(
            model,
            [torch.optim.SGD(model.parameters(), lr=0.1)],
            data if train is None else train,
            data if valid is None else valid,
            batch_size=4,
            **options,
        )

    def update(self, batch: torch.Tensor) -> dict[str, float]:
        with torch.no_grad():
            self.model.weight += 1.0 / 2  # two batches per epoch
        return {"loss": 0.0}

    def validation_loss(self, data: torch.Tensor) -> float:
        return self.losses[self.steps]


def test_early_stopping_restores_the_best_epoch(tmp_path):
    trainer = ScriptedTrainer([3.0, 2.0, 1.0, 1.5, 2.5, 0.5], patience=2)
    run = RunDirectory(tmp_path / "run")
    trainer.run(6, run_dir=run, progress=False)
    assert (trainer.steps, trainer.best_step) == (5, 3)
    assert trainer.early_stopping.best_value == 1.0
    assert trainer.stopped
    assert float(trainer.model.weight.detach()) == 3.0
    log = run.read_log()
    assert [record["epoch"] for record in log] == [1, 2, 3, 4, 5]
    assert [record["valid_loss"] for record in log] == [3.0, 2.0, 1.0, 1.5, 2.5]
    assert [record["best_valid_loss"] for record in log] == [3.0, 2.0, 1.0, 1.0, 1.0]
    assert run.checkpoint_path.exists()


def test_a_minimum_of_epochs_or_smoothing_keeps_an_early_dip_from_stopping_the_run():
    """A noisy score with an early low point: patience 2 alone stops at epoch 4 and keeps
    epoch 2; with min_epochs 6 the run reaches the later, better minimum. The moving
    average (weight 1/2) of 1, 0.2, 0.5, 0.45, 0.4, 0.35 is 1, 0.6, 0.55, 0.5, 0.45,
    0.4: it improves at every epoch, so the run goes on to the end."""
    losses = [1.0, 0.2, 0.9, 0.8, 0.7, 0.1, 0.15, 0.12, 0.11]
    plain = ScriptedTrainer(losses, patience=2)
    plain.run(9, progress=False)
    assert (plain.steps, plain.best_step) == (4, 2)
    patient = ScriptedTrainer(losses, patience=2, min_epochs=6)
    patient.run(9, progress=False)
    assert patient.best_step == 6
    smooth_losses = [1.0, 0.2, 0.5, 0.45, 0.4, 0.35]
    assert ScriptedTrainer(smooth_losses, patience=2).run(6, progress=False)[-1]["epoch"] == 4
    smoothed = ScriptedTrainer(smooth_losses, patience=2, smoothing=0.5)
    records = smoothed.run(6, progress=False)
    assert (smoothed.steps, smoothed.best_step) == (6, 6)
    assert [r["best_valid_loss"] for r in records] == pytest.approx([1, 0.6, 0.55, 0.5, 0.45, 0.4])


def test_resume_continues_exactly(tmp_path):
    generator = torch.Generator().manual_seed(0)
    data = torch.randn(300, 2, generator=generator)

    def trainer() -> LikelihoodTrainer:
        torch.manual_seed(0)
        flow = RealNVP(2, transforms=2, hidden=8)
        return LikelihoodTrainer(
            flow,
            data[:200],
            data[200:],
            loss=lambda x, g: -flow.log_prob(x),
            lr=1e-2,
            batch_size=50,
            patience=None,
        )

    straight = trainer()
    straight.run(4, progress=False)
    trainer().run(2, run_dir=RunDirectory(tmp_path), progress=False)
    resumed = trainer()
    run = RunDirectory(tmp_path, resume=True)
    resumed.restore(run)
    resumed.run(4, run_dir=run, progress=False)
    assert resumed.steps == 4
    assert [record["epoch"] for record in run.read_log()] == [1, 2, 3, 4]
    for a, b in zip(straight.model.parameters(), resumed.model.parameters(), strict=True):
        assert torch.equal(a, b)


def test_divergence_is_an_error():
    with pytest.raises(NonFiniteError, match="epoch 1: valid_loss is nan"):
        ScriptedTrainer([math.nan]).run(1, progress=False)


@pytest.mark.parametrize(
    ("train", "valid", "match"),
    [
        pytest.param(torch.zeros(0, 1), None, "training data: expected at least one", id="empty"),
        pytest.param(None, torch.zeros(4, 2), "held-out data: expected 1 features", id="dim"),
        pytest.param(torch.full((4, 1), math.nan), None, "NaN", id="nan"),
    ],
)
def test_bad_data(train, valid, match):
    with pytest.raises(DataError, match=match):
        ScriptedTrainer([1.0], train, valid)
