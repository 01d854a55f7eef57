r"""MADE: a masked autoencoder for distribution estimation as a wave function.

A multilayer perceptron over the one-hot tokens whose weight matrices are masked so that
output ``k`` depends only on tokens ``< k`` (Germain, Gregor, Murray, Larochelle, ICML
2015). Every unit carries a degree ``m``: input token ``k`` has degree ``k+1``, hidden
units degrees in ``1 … T-1``, and the features of token ``k`` degree ``k+1``; a weight
from a unit of degree ``m`` to one of degree ``m'`` is kept iff ``m' >= m`` (hidden) or
``m' > m`` (output). One pass gives every conditional; sampling needs one pass per token,
since a deep masked network has no cheaper incremental form.
"""

from __future__ import annotations

import itertools
from typing import Any

import torch
from torch import nn

from qgen.errors import ModelError
from qgen.models.autoregressive import AutoregressiveModel
from qgen.models.layer_jacobian import LayerwiseJacobian

__all__ = ["MADE"]


class _MaskedLinear(nn.Linear):
    mask: torch.Tensor

    def __init__(self, mask: torch.Tensor, dtype: torch.dtype) -> None:
        super().__init__(mask.shape[1], mask.shape[0], dtype=dtype)
        self.register_buffer("mask", mask.to(dtype), persistent=False)
        fan_in = mask.sum(1).clamp(min=1).to(dtype)
        with torch.no_grad():  # scale each row by its true fan-in
            self.weight.uniform_(-1.0, 1.0).mul_((1.0 / fan_in.sqrt()).unsqueeze(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.linear(x, self.weight * self.mask, self.bias)


class MADE(LayerwiseJacobian, AutoregressiveModel):
    """Masked MLP wave function.

    Args:
        n_sites: number of sites.
        hidden: units per hidden layer (at least ``T - 1`` so that every degree exists).
        layers: hidden layers.
        features: width of each token's feature vector fed to the heads.
        **options: ``local_dim``, ``patch_size``, ``magnetization``, ``phase``,
            ``order``, ``sign_sites``, ``dtype`` of :class:`AutoregressiveModel`.
    """

    def __init__(
        self,
        n_sites: int,
        hidden: int = 64,
        layers: int = 2,
        features: int = 8,
        **options: Any,
    ) -> None:
        for name, value in (("hidden", hidden), ("layers", layers), ("features", features)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ModelError(f"expected a positive integer {name}, got {value!r}")
        super().__init__(n_sites, features, **options)
        tokens, vocabulary = self.n_tokens, self.vocabulary
        if tokens > 1 and hidden < tokens - 1:
            raise ModelError(f"MADE needs at least {tokens - 1} hidden units, got {hidden}")
        dtype = self.dtype
        self.features = features
        input_degrees = torch.arange(1, tokens + 1).repeat_interleave(vocabulary)
        hidden_degrees = (torch.arange(hidden) % max(tokens - 1, 1)) + 1
        output_degrees = torch.arange(1, tokens + 1).repeat_interleave(features)
        sizes = [input_degrees, *([hidden_degrees] * layers)]
        self.hidden_layers = nn.ModuleList(
            _MaskedLinear((after[:, None] >= before[None, :]), dtype)
            for before, after in itertools.pairwise(sizes)
        )
        # Token 0 sees no input: its features are the output layer's bias alone.
        self.output_layer = _MaskedLinear(output_degrees[:, None] > sizes[-1][None, :], dtype)

    def _features(self, tokens: torch.Tensor) -> torch.Tensor:
        # A comparison, not F.one_hot: one_hot cannot run under torch.func.vmap (SR needs it).
        values = torch.arange(self.vocabulary, device=tokens.device)
        h = (tokens.unsqueeze(-1) == values).to(self.dtype).flatten(1)
        for layer in self.hidden_layers:
            h = torch.relu(layer(h))
        return self.output_layer(h).view(tokens.shape[0], self.n_tokens, self.features)
