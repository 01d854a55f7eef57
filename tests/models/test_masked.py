"""MADE's masked network: the outputs of input i depend on the inputs before it only."""

from __future__ import annotations

import torch

from qgen.models.masked import MaskedNetwork


def test_the_masked_network_is_autoregressive():
    torch.manual_seed(0)
    network = MaskedNetwork(torch.arange(1, 6), hidden=12, layers=2, outputs=2)
    network = network.to(torch.float64)
    x = torch.randn(5, dtype=torch.float64)
    jacobian = torch.autograd.functional.jacobian(lambda v: network(v[None])[0], x)  # (10, 5)
    dependence = jacobian.reshape(5, 2, 5).abs().sum(dim=1) > 0
    assert torch.equal(dependence, torch.ones(5, 5, dtype=torch.bool).tril(-1))


def test_repeated_degrees_share_their_inputs():
    """One-hot tokens: the inputs of token k all carry degree k + 1."""
    degrees = torch.arange(1, 4).repeat_interleave(2)
    network = MaskedNetwork(degrees, hidden=6, layers=1, outputs=3, fan_in_init=True)
    x = torch.randn(1, 6)
    jacobian = torch.autograd.functional.jacobian(lambda v: network(v[None])[0], x[0])
    dependence = jacobian.reshape(3, 3, 3, 2).abs().sum(dim=(1, 3)) > 0
    assert torch.equal(dependence, torch.ones(3, 3, dtype=torch.bool).tril(-1))
