"""Neural wave functions over spin configurations (``nn.Module``\\ s).

Every model maps a batch of configurations ``x`` of shape ``(batch, n_sites)`` to
``log ψ(x)``; autoregressive ones also give ``log_prob`` and exact ``sample``.
"""

from qgen.models.autoregressive import AutoregressiveModel, ModelError, ones_for_magnetization
from qgen.models.made import MADE
from qgen.models.registry import MODELS, build_model
from qgen.models.rnn import RNN
from qgen.models.rnn2d import RNN2D
from qgen.models.transformer import Transformer

__all__ = [
    "MADE",
    "MODELS",
    "RNN",
    "RNN2D",
    "AutoregressiveModel",
    "ModelError",
    "Transformer",
    "build_model",
    "ones_for_magnetization",
]
