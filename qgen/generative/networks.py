"""Small building blocks shared by the generative models."""

from __future__ import annotations

from torch import nn

__all__ = ["mlp"]


def mlp(
    inputs: int,
    outputs: int,
    hidden: int = 64,
    layers: int = 2,
    activation: type[nn.Module] = nn.SiLU,
) -> nn.Sequential:
    """A multilayer perceptron: ``layers`` hidden layers of width ``hidden``.

    >>> mlp(2, 3, hidden=4, layers=1)
    Sequential(
      (0): Linear(in_features=2, out_features=4, bias=True)
      (1): SiLU()
      (2): Linear(in_features=4, out_features=3, bias=True)
    )
    """
    modules: list[nn.Module] = []
    width = inputs
    for _ in range(layers):
        modules += [nn.Linear(width, hidden), activation()]
        width = hidden
    modules.append(nn.Linear(width, outputs))
    return nn.Sequential(*modules)
