"""Per-sample log-derivatives read off the layers, against torch.func's vmap(jacrev)."""

from __future__ import annotations

import pytest
import torch
from model_zoo import VARIANTS, make
from torch import nn

from qgen.errors import ModelError
from qgen.models.layer_jacobian import layerwise_log_derivatives
from qgen.vmc.sr import log_derivatives, vmapped_log_derivatives

LAYERWISE_MODELS = ("rnn2d", "transformer", "transformer-2d-patches", "made")


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", LAYERWISE_MODELS)
def test_layerwise_derivatives_equal_the_vmapped_ones(name, variant):
    model = make(name, variant)
    x = model.sample(7, torch.Generator().manual_seed(3))
    fast = log_derivatives(model, x)  # the model's log_psi_jacobian
    reference = vmapped_log_derivatives(model, x)
    assert fast.dtype == reference.dtype
    torch.testing.assert_close(fast, reference, rtol=1e-10, atol=1e-12)


def test_frozen_parameters_are_left_out():
    model = make("transformer", "phase")
    model.embedding.weight.requires_grad_(False)
    x = model.sample(5, torch.Generator().manual_seed(0))
    torch.testing.assert_close(
        layerwise_log_derivatives(model, x), vmapped_log_derivatives(model, x)
    )


class _RawParameter(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(3, 1, dtype=torch.float64)
        self.offset = nn.Parameter(torch.zeros(1, dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x.double()).squeeze(-1) + self.offset


class _SharedAcrossBatch(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.table = nn.Embedding(4, 3, dtype=torch.float64)
        self.linear = nn.Linear(3, 3, dtype=torch.float64)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mixed = self.linear(self.table.weight)  # a layer called on a table, not a batch
        return mixed[x].sum((1, 2))


def test_models_outside_the_method_are_refused():
    x = torch.randint(0, 2, (5, 3))
    with pytest.raises(ModelError, match="'offset' is not in a layer"):
        layerwise_log_derivatives(_RawParameter(), x)
    with pytest.raises(ModelError, match="not on a batch of 5 samples"):
        layerwise_log_derivatives(_SharedAcrossBatch(), x)
