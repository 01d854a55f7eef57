r"""MADE: a masked autoencoder for distribution estimation as a wave function.

The masked network of :mod:`qgen.models.masked` over the one-hot tokens, so that the
features of token ``k`` depend only on tokens ``< k`` (Germain, Gregor, Murray,
Larochelle, ICML 2015): input token ``k`` has degree ``k+1``. One pass gives every
conditional; sampling needs one pass per token, since a deep masked network has no
cheaper incremental form.
"""

from __future__ import annotations

from typing import Any

import torch

from qgen.errors import ModelError
from qgen.models.autoregressive import AutoregressiveModel
from qgen.models.layer_jacobian import LayerwiseJacobian
from qgen.models.masked import MaskedNetwork
from qgen.validation import require_int

__all__ = ["MADE"]


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
            require_int(value, name, minimum=1, error=ModelError)
        super().__init__(n_sites, features, **options)
        tokens, vocabulary = self.n_tokens, self.vocabulary
        if tokens > 1 and hidden < tokens - 1:
            raise ModelError(f"MADE needs at least {tokens - 1} hidden units, got {hidden}")
        self.features = features
        degrees = torch.arange(1, tokens + 1).repeat_interleave(vocabulary)
        self.network = MaskedNetwork(
            degrees,
            hidden,
            layers,
            features,
            activation=torch.relu,
            dtype=self.dtype,
            fan_in_init=True,
        )

    def _features(self, tokens: torch.Tensor) -> torch.Tensor:
        # A comparison, not F.one_hot: one_hot cannot run under torch.func.vmap (SR needs it).
        values = torch.arange(self.vocabulary, device=tokens.device)
        h = (tokens.unsqueeze(-1) == values).to(self.dtype).flatten(1)
        return self.network(h).view(tokens.shape[0], self.n_tokens, self.features)
