"""Wave functions by name: what ``qgen vmc --model NAME`` and ``qgen tomo --model NAME``
build, one meaning per name.

Each entry of :data:`MODELS` says how to build the model for a lattice from the shared
:class:`ModelSettings`, whether it is sampled exactly (autoregressive) or by Markov
chains, and which workflows train it. A user registers their own with
``MODELS.register(name, ModelSpec(...))``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
from torch import nn

from qgen.errors import ModelError
from qgen.lattice import Lattice
from qgen.models.amplitude_phase_rbm import AmplitudePhaseRBM
from qgen.models.made import MADE
from qgen.models.rbm import RBM, SymmetricRBM
from qgen.models.rnn import RNN
from qgen.models.rnn2d import RNN2D
from qgen.models.symmetrized import SymmetrizedModel
from qgen.models.transformer import Transformer
from qgen.registry import Registry

__all__ = ["MODELS", "SYMMETRIES", "ModelSettings", "ModelSpec", "build_model"]

SYMMETRIES = ("none", "point", "translations", "space")
"""Groups an autoregressive model can be averaged over (:class:`SymmetrizedModel`):
the lattice's point group, its translations, or both (the space group)."""


@dataclass(frozen=True)
class ModelSettings:
    """What the builders read: ``hidden`` width (RNN units, Transformer embedding, MADE
    units; RBM-state hidden units, default N), ``layers`` (None: the model's default),
    attention ``heads``, ``patch_size`` (sites per Transformer token), the U(1)
    ``magnetization`` sector, a ``phase`` (complex ψ), ``alpha`` (RBM hidden units per
    site, filters of the symmetric RBM), and the parameter ``dtype``."""

    hidden: int | None = None
    layers: int | None = None
    heads: int = 4
    patch_size: int = 1
    magnetization: float | None = None
    phase: bool = False
    alpha: float = 1.0
    dtype: torch.dtype = torch.float32


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: ``build(lattice, settings)``, whether it is ``autoregressive``
    (exact sampling, its own U(1) projection), the ``workflows`` that train it, and one
    line for ``--help``."""

    build: Callable[[Lattice, ModelSettings], nn.Module]
    autoregressive: bool
    workflows: frozenset[str]
    description: str


MODELS: Registry[ModelSpec] = Registry("model")


def _autoregressive_options(settings: ModelSettings) -> dict[str, Any]:
    return {
        "magnetization": settings.magnetization,
        "phase": settings.phase,
        "dtype": settings.dtype,
    }


def _rnn(lattice: Lattice, s: ModelSettings) -> nn.Module:
    order = lattice.ordering("snake").tolist()
    return RNN(
        lattice.n_sites,
        hidden=s.hidden or 32,
        layers=s.layers or 1,
        order=order,
        **_autoregressive_options(s),
    )


def _transformer(lattice: Lattice, s: ModelSettings) -> nn.Module:
    shape = lattice.extent if lattice.ndim == 2 else None
    return Transformer(
        lattice.n_sites,
        width=s.hidden or 32,
        layers=s.layers or 2,
        heads=s.heads,
        patch_size=s.patch_size,
        shape=shape,  # type: ignore[arg-type]
        **_autoregressive_options(s),
    )


_BOTH = frozenset({"vmc", "tomo"})
MODELS.register(
    "rnn",
    ModelSpec(_rnn, True, _BOTH, "GRU recurrent network along the snake path"),
)
MODELS.register(
    "rnn2d",
    ModelSpec(
        lambda lattice, s: RNN2D(
            lattice, hidden=s.hidden or 32, layers=s.layers or 1, **_autoregressive_options(s)
        ),
        True,
        frozenset({"vmc"}),
        "2D recurrent network (Hibat-Allah et al. 2020)",
    ),
)
MODELS.register(
    "transformer",
    ModelSpec(_transformer, True, _BOTH, "Transformer, 2D positional encodings on lattices"),
)
MODELS.register(
    "made",
    ModelSpec(
        lambda lattice, s: MADE(
            lattice.n_sites,
            hidden=s.hidden or 32,
            layers=s.layers or 2,
            **_autoregressive_options(s),
        ),
        True,
        _BOTH,
        "masked autoencoder (Germain et al. 2015)",
    ),
)
MODELS.register(
    "rbm",
    ModelSpec(
        lambda lattice, s: RBM(lattice.n_sites, s.alpha, phase=s.phase, dtype=s.dtype),
        False,
        frozenset({"vmc"}),
        "RBM of Carleo & Troyer (complex weights with a phase), Metropolis chains",
    ),
)
MODELS.register(
    "symmetric-rbm",
    ModelSpec(
        lambda lattice, s: SymmetricRBM(lattice, s.alpha, phase=s.phase, dtype=s.dtype),
        False,
        frozenset({"vmc"}),
        "translation-symmetric RBM (alpha filters), Metropolis chains",
    ),
)
MODELS.register(
    "amplitude-phase-rbm",
    ModelSpec(
        lambda lattice, s: AmplitudePhaseRBM(
            lattice.n_sites, s.hidden or lattice.n_sites, phase=s.phase, dtype=s.dtype
        ),
        False,
        frozenset({"tomo"}),
        "amplitude and phase RBMs of Torlai et al. 2018 and QuCumber, Gibbs chains",
    ),
)


def build_model(
    name: str,
    lattice: Lattice,
    *,
    symmetry: str = "none",
    spin_flip: bool = False,
    **settings: object,
) -> nn.Module:
    """The registered model ``name`` on ``lattice`` (``settings``: the fields of
    :class:`ModelSettings`).

    2D lattices are read along the snake path by the 1D RNN, and row by row (with 2D
    positional encodings) by the Transformer. RBMs have no U(1) projection: their
    samplers keep the magnetization instead.

    ``symmetry`` other than ``"none"`` averages an autoregressive model over a group of
    the lattice's symmetries (:class:`~qgen.models.symmetrized.SymmetrizedModel`, exact
    sampling kept): ``"point"`` (rotations and reflections), ``"translations"`` or
    ``"space"`` (both); each evaluation then costs one per group element. ``spin_flip``
    adds the global spin inversion to the group (doubling it).
    """
    spec = _spec(name)
    if symmetry not in SYMMETRIES:
        raise ModelError(f"symmetry: expected one of {', '.join(SYMMETRIES)}, got {symmetry!r}")
    resolved = replace(ModelSettings(), **settings)  # type: ignore[arg-type]
    if name != "transformer" and resolved.patch_size != 1:
        raise ModelError(f"patches of several sites need the Transformer, not {name!r}")
    model = spec.build(lattice, resolved)
    if symmetry == "none" and not spin_flip:
        return model
    if not spec.autoregressive:
        raise ModelError(
            f"symmetry and spin_flip average autoregressive models; for {name!r} use "
            "the translation-symmetric RBM ('symmetric-rbm') instead"
        )
    groups = {
        "none": lambda: np.arange(lattice.n_sites)[None],
        "point": lattice.point_group,
        "translations": lattice.translations,
        "space": lattice.space_group,
    }
    return SymmetrizedModel(model, groups[symmetry](), spin_flip)  # type: ignore[arg-type]


def _spec(name: str) -> ModelSpec:
    if name not in MODELS:
        raise ModelError(f"model: expected one of {', '.join(MODELS)}, got {name!r}")
    return MODELS[name]
