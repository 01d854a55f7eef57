"""The training loop: logs, early stopping, best-state restore, checkpoints and resume."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
from torch import nn

from qgen.datasets import DataError
from qgen.errors import ConfigError
from qgen.generative.flows import RealNVP
from qgen.generative.training import Learner, LikelihoodLearner, TrainingConfig, fit
from qgen.runs import RunDirectory


class ScriptedLearner(Learner):
    """Each epoch adds one to a parameter; held-out losses follow a script."""

    def __init__(self, losses: list[float]) -> None:
        self.model = nn.Linear(1, 1, bias=False)
        nn.init.zeros_(self.model.weight)
        self.losses = losses
        self.calls = 0

    def step(self, batch: torch.Tensor, generator: torch.Generator) -> dict[str, float]:
        with torch.no_grad():
            self.model.weight += 1.0 / 2  # two batches per epoch below
        return {"loss": 0.0}

    def validation_loss(self, data: torch.Tensor) -> float:
        self.calls += 1
        return self.losses[self.calls - 1]

    def state_dict(self) -> dict[str, Any]:
        return {"model": self.model.state_dict(), "calls": self.calls}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.calls = state["calls"]


DATA = torch.zeros(8, 1)


def test_early_stopping_restores_the_best_epoch(tmp_path):
    learner = ScriptedLearner([3.0, 2.0, 1.0, 1.5, 2.5, 0.5])
    run = RunDirectory(tmp_path / "run")
    result = fit(learner, DATA, DATA, TrainingConfig(epochs=6, batch_size=4, patience=2), run)
    assert (result.epochs_run, result.best_epoch, result.best_loss) == (5, 3, 1.0)
    assert result.stopped_early
    assert float(learner.model.weight.detach()) == 3.0
    log = run.read_log()
    assert [record["epoch"] for record in log] == [1, 2, 3, 4, 5]
    assert [record["valid_loss"] for record in log] == [3.0, 2.0, 1.0, 1.5, 2.5]
    assert run.checkpoint_path.exists()


def test_resume_continues_exactly(tmp_path):
    generator = torch.Generator().manual_seed(0)
    data = torch.randn(300, 2, generator=generator)

    def learner() -> LikelihoodLearner:
        torch.manual_seed(0)
        flow = RealNVP(2, transforms=2, hidden=8)
        return LikelihoodLearner(flow, lambda x, g: -flow.log_prob(x), learning_rate=1e-2)

    straight = learner()
    fit(straight, data[:200], data[200:], TrainingConfig(4, 50, patience=None))

    interrupted = learner()
    fit(
        interrupted,
        data[:200],
        data[200:],
        TrainingConfig(2, 50, patience=None),
        RunDirectory(tmp_path),
    )
    resumed = learner()
    run = RunDirectory(tmp_path, resume=True)
    result = fit(resumed, data[:200], data[200:], TrainingConfig(4, 50, patience=None), run)
    assert result.epochs_run == 4
    assert [record["epoch"] for record in run.read_log()] == [1, 2, 3, 4]
    for a, b in zip(straight.model.parameters(), resumed.model.parameters(), strict=True):
        assert torch.equal(a, b)


def test_divergence_is_an_error():
    with pytest.raises(ConfigError, match="diverged at epoch 1"):
        fit(ScriptedLearner([math.nan]), DATA, DATA, TrainingConfig(epochs=1, batch_size=4))


@pytest.mark.parametrize(
    ("train", "valid", "error", "match"),
    [
        pytest.param(
            torch.zeros(0, 1), DATA, DataError, "training data: expected at least one", id="empty"
        ),
        pytest.param(
            DATA, torch.zeros(4, 2), DataError, "held-out data: expected 1 features", id="dim"
        ),
        pytest.param(torch.full((4, 1), math.nan), DATA, DataError, "NaN", id="nan"),
    ],
)
def test_bad_data(train, valid, error, match):
    with pytest.raises(error, match=match):
        fit(ScriptedLearner([1.0]), train, valid, TrainingConfig(epochs=1))


def test_bad_config():
    with pytest.raises(ConfigError, match="positive integer epochs"):
        TrainingConfig(epochs=0)
    with pytest.raises(ConfigError, match="patience"):
        TrainingConfig(patience=0)
