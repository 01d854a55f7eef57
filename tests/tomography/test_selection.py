"""Early stopping on a significant loss of held-out likelihood: noise alone never stops a
run or brings back an early epoch; a real loss does both."""

from __future__ import annotations

import torch
from torch import nn

from qgen.tomography.selection import SignificantEarlyStopping


def drive(stopping: SignificantEarlyStopping, epochs: list[torch.Tensor]) -> nn.Linear:
    """Feed per-sample held-out log-likelihoods epoch by epoch; the model's weight is set
    to the epoch number so that the restored state says which epoch came back."""
    model = nn.Linear(1, 1, bias=False)
    for epoch, values in enumerate(epochs, start=1):
        with torch.no_grad():
            model.weight.fill_(epoch)
        stopping.observe(values)
        stopping.update(float(-values.mean()), epoch, model)
        if stopping.stopped:
            break
    return model


def test_noise_keeps_the_last_epoch():
    """Each epoch: the same 300 per-sample values plus independent noise of 0.05; the
    mean wanders by ~0.003, its paired standard error is ~0.004: never significant."""
    generator = torch.Generator().manual_seed(0)
    base = torch.randn(300, generator=generator, dtype=torch.float64)
    epochs = [base + 0.05 * torch.randn(300, generator=generator) for _ in range(40)]
    stopping = SignificantEarlyStopping("validation_nll", patience=3)
    drive(stopping, epochs)
    assert not stopping.stopped
    assert not stopping.restore_best, "the last epoch stays"


def test_a_significant_loss_stops_and_restores_the_best_epoch():
    """Epochs 1-5 improve, then every sample loses 0.1 per epoch (a memorizing model)."""
    generator = torch.Generator().manual_seed(1)
    base = torch.randn(300, generator=generator, dtype=torch.float64)
    epochs = [base + 0.02 * k for k in range(5)] + [base + 0.08 - 0.1 * k for k in range(1, 20)]
    stopping = SignificantEarlyStopping("validation_nll", patience=3)
    model = drive(stopping, epochs)
    assert stopping.stopped
    assert stopping.best_step == 5
    assert stopping.restore_best
    model.load_state_dict(stopping.best_state)
    assert float(model.weight.detach()) == 5.0


def test_state_round_trip():
    stopping = SignificantEarlyStopping("validation_nll", patience=2)
    drive(stopping, [torch.linspace(-1, 0, 50, dtype=torch.float64) + k for k in (0, -1, -2)])
    copy = SignificantEarlyStopping("validation_nll", patience=2)
    copy.load_state_dict(stopping.state_dict())
    assert copy.significance() == stopping.significance()
    assert (copy.bad_steps, copy.restore_best) == (stopping.bad_steps, stopping.restore_best)
