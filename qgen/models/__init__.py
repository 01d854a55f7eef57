"""Neural wave functions over spin configurations (``nn.Module``\\ s).

Every model maps a batch of configurations ``x`` of shape ``(batch, n_sites)`` to
``log ψ(x)``; autoregressive ones also give ``log_prob`` and exact ``sample``; RBMs are
sampled by Markov chains (:mod:`qgen.sampling`). :class:`BernoulliRBM` is the classical
RBM over binary data (energy-based models, and the machines of :class:`AmplitudePhaseRBM`, the
QuCumber-style tomography state).
"""

from qgen.models.amplitude_phase_rbm import AmplitudePhaseRBM
from qgen.models.autoregressive import AutoregressiveModel, ones_for_magnetization
from qgen.models.bernoulli_rbm import BernoulliRBM
from qgen.models.made import MADE
from qgen.models.rbm import RBM, SymmetricRBM, log_cosh
from qgen.models.registry import MODELS, build_model
from qgen.models.rnn import RNN
from qgen.models.rnn2d import RNN2D
from qgen.models.symmetrized import SymmetrizedModel
from qgen.models.transformer import Transformer

__all__ = [
    "MADE",
    "MODELS",
    "RBM",
    "RNN",
    "RNN2D",
    "AmplitudePhaseRBM",
    "AutoregressiveModel",
    "BernoulliRBM",
    "SymmetricRBM",
    "SymmetrizedModel",
    "Transformer",
    "build_model",
    "log_cosh",
    "ones_for_magnetization",
]
