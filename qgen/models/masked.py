r"""The masked network of MADE, written once: for the MADE wave function
(:class:`qgen.models.made.MADE`) and for the conditioners of masked autoregressive flows
(:class:`qgen.generative.flows.MaskedAutoregressiveAffine`).

Every unit carries a degree ``m``: input ``i`` (1-based, in the autoregressive order)
has degree ``i``, hidden units degrees in ``1 … D-1``, and the outputs of input ``i``
degree ``i``. A weight from a unit of degree ``m`` to one of degree ``m'`` is kept iff
``m' >= m`` (into a hidden unit) or ``m' > m`` (into an output), so that the outputs of
input ``i`` depend only on the inputs before it (Germain, Gregor, Murray, Larochelle,
"MADE: Masked Autoencoder for Distribution Estimation", ICML 2015).

>>> network = MaskedNetwork(torch.arange(1, 4), hidden=8, layers=2, outputs=2)
>>> x = torch.randn(4, 3)
>>> y = network(x)
>>> x2 = x.clone(); x2[:, 2] += 1.0  # the last input feeds no output
>>> torch.equal(network(x2), y), tuple(y.shape)
(True, (4, 6))
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional

__all__ = ["MaskedLinear", "MaskedNetwork"]


class MaskedLinear(nn.Linear):
    """:math:`y = (W \\odot M) x + b` with a fixed binary mask :math:`M`; with
    ``fan_in_init`` each row's initial weights are scaled by its true fan-in (the mask
    removes most inputs of early rows)."""

    mask: torch.Tensor

    def __init__(
        self, mask: torch.Tensor, dtype: torch.dtype | None = None, fan_in_init: bool = False
    ) -> None:
        super().__init__(mask.shape[1], mask.shape[0], dtype=dtype)
        self.register_buffer("mask", mask.to(self.weight.dtype), persistent=False)
        if fan_in_init:
            fan_in = mask.sum(1).clamp(min=1).to(self.weight.dtype)
            with torch.no_grad():
                self.weight.uniform_(-1.0, 1.0).mul_((1.0 / fan_in.sqrt()).unsqueeze(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return functional.linear(x, self.weight * self.mask, self.bias)


class MaskedNetwork(nn.Module):
    """The masked MLP: ``inputs`` degrees in, ``layers`` hidden layers of ``hidden`` units,
    ``outputs`` numbers per degree out (grouped by degree, in the order of
    ``torch.unique(inputs)``), ``activation`` between the layers."""

    def __init__(
        self,
        inputs: torch.Tensor,
        hidden: int,
        layers: int,
        outputs: int,
        *,
        activation: Callable[[torch.Tensor], torch.Tensor] = functional.silu,
        dtype: torch.dtype | None = None,
        fan_in_init: bool = False,
    ) -> None:
        super().__init__()
        largest = int(inputs.max())
        hidden_degrees = (torch.arange(hidden) % max(largest - 1, 1)) + 1
        output_degrees = torch.arange(1, largest + 1).repeat_interleave(outputs)
        sizes = [inputs, *([hidden_degrees] * layers)]
        self.hidden_layers = nn.ModuleList(
            MaskedLinear(after[:, None] >= before[None, :], dtype, fan_in_init)
            for before, after in itertools.pairwise(sizes)
        )
        # Outputs of degree 1 see no input: they are the output layer's bias alone.
        self.output_layer = MaskedLinear(
            output_degrees[:, None] > sizes[-1][None, :], dtype, fan_in_init
        )
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.hidden_layers:
            x = self.activation(layer(x))
        return self.output_layer(x)
