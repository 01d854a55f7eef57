"""MADE: a masked autoencoder whose outputs for feature i depend only on features < i.

Each input gets a degree :math:`m(i) = i` (1-based, in the autoregressive order), each
hidden unit a degree :math:`m(k) \\in \\{1, \\dots, D-1\\}`; a weight from unit j to hidden
unit k is kept iff :math:`m(k) \\ge m(j)`, and to an output of feature i iff
:math:`i > m(k)`. The outputs of feature i are then functions of :math:`x_{<i}` only.

References: Germain, Gregor, Murray & Larochelle, "MADE: Masked Autoencoder for
Distribution Estimation", ICML 2015.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from qgen.errors import ConfigError

__all__ = ["MADE", "MaskedLinear"]


class MaskedLinear(nn.Linear):
    """:math:`y = (W \\odot M) x + b` with a fixed binary mask :math:`M`."""

    mask: torch.Tensor

    def __init__(self, mask: torch.Tensor) -> None:
        super().__init__(mask.shape[1], mask.shape[0])
        self.register_buffer("mask", mask.to(self.weight.dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.mask, self.bias)


class MADE(nn.Module):
    """Autoregressive network: ``(batch, D)`` → ``(batch, D, outputs)``; output ``[:, i]``
    depends on ``x[:, :i]`` only (natural order).

    >>> made = MADE(3, outputs=2, hidden=8)
    >>> x = torch.randn(4, 3)
    >>> y = made(x)
    >>> y.shape
    torch.Size([4, 3, 2])
    >>> x2 = x.clone(); x2[:, 2] += 1.0  # the last feature feeds no output
    >>> torch.equal(made(x2), y)
    True
    """

    def __init__(self, features: int, outputs: int = 2, hidden: int = 64, layers: int = 2) -> None:
        super().__init__()
        if features < 2 or hidden < 1 or layers < 1 or outputs < 1:
            raise ConfigError(
                "MADE: expected features ≥ 2 and positive hidden, layers, outputs; got "
                f"features={features}, hidden={hidden}, layers={layers}, outputs={outputs}"
            )
        self.features = features
        self.outputs = outputs
        input_degrees = torch.arange(1, features + 1)
        hidden_degrees = torch.arange(hidden) % (features - 1) + 1
        modules: list[nn.Module] = []
        previous = input_degrees
        for _ in range(layers):
            modules += [MaskedLinear(hidden_degrees[:, None] >= previous[None, :]), nn.SiLU()]
            previous = hidden_degrees
        output_degrees = input_degrees.repeat_interleave(outputs)
        modules.append(MaskedLinear(output_degrees[:, None] > previous[None, :]))
        self.network = nn.Sequential(*modules)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.network(x).reshape(x.shape[0], self.features, self.outputs)
