"""Build a wave function by name for a lattice: what ``qgen vmc --model NAME`` calls."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from qgen.errors import ModelError
from qgen.lattice import Lattice
from qgen.models.made import MADE
from qgen.models.rbm import RBM, SymmetricRBM
from qgen.models.rnn import RNN
from qgen.models.rnn2d import RNN2D
from qgen.models.symmetrized import SymmetrizedModel
from qgen.models.transformer import Transformer

__all__ = ["AUTOREGRESSIVE_MODELS", "MODELS", "RBM_MODELS", "SYMMETRIES", "build_model"]

AUTOREGRESSIVE_MODELS = ("rnn", "rnn2d", "transformer", "made")
"""Models with exact autoregressive sampling."""
RBM_MODELS = ("rbm", "symmetric-rbm")
"""Models sampled by Markov chains."""
MODELS = AUTOREGRESSIVE_MODELS + RBM_MODELS
"""Names accepted by :func:`build_model`."""
SYMMETRIES = ("none", "point", "translations", "space")
"""Groups an autoregressive model can be averaged over (:class:`SymmetrizedModel`):
the lattice's point group, its translations, or both (the space group)."""


def build_model(
    name: str,
    lattice: Lattice,
    *,
    hidden: int = 32,
    layers: int | None = None,
    heads: int = 4,
    patch_size: int = 1,
    magnetization: float | None = None,
    phase: bool = False,
    alpha: float = 1.0,
    dtype: torch.dtype = torch.float32,
    symmetry: str = "none",
    spin_flip: bool = False,
) -> nn.Module:
    """The wave function ``name`` on ``lattice``.

    ``hidden`` is the hidden width (RNNs, MADE) or the embedding width (Transformer);
    ``layers`` defaults to 1 for the RNNs and 2 for the Transformer and MADE. 2D
    lattices are read along the snake path by the 1D RNN, and row by row (with 2D
    positional encodings) by the Transformer. The RBMs take ``alpha`` (hidden units per
    site, filters for the symmetric one) and are complex with ``phase``; they have no
    U(1) projection: their samplers keep the magnetization instead.

    ``symmetry`` other than ``"none"`` averages an autoregressive model over a group of
    the lattice's symmetries (:class:`~qgen.models.symmetrized.SymmetrizedModel`, exact
    sampling kept): ``"point"`` (rotations and reflections), ``"translations"`` or
    ``"space"`` (both); each evaluation then costs one per group element. ``spin_flip``
    adds the global spin inversion to the group (doubling it).
    """
    options: dict[str, Any] = {"magnetization": magnetization, "phase": phase, "dtype": dtype}
    if name not in MODELS:
        raise ModelError(f"expected a model in {MODELS}, got {name!r}")
    if symmetry not in SYMMETRIES:
        raise ModelError(f"expected a symmetry in {SYMMETRIES}, got {symmetry!r}")
    if symmetry != "none" or spin_flip:
        if name in RBM_MODELS:
            raise ModelError(
                f"--symmetry and --spin-flip average autoregressive models; for {name!r} use "
                "the translation-symmetric RBM ('symmetric-rbm') instead"
            )
        model = build_model(
            name,
            lattice,
            hidden=hidden,
            layers=layers,
            heads=heads,
            patch_size=patch_size,
            magnetization=magnetization,
            phase=phase,
            dtype=dtype,
        )
        groups = {
            "none": lambda: np.arange(lattice.n_sites)[None],
            "point": lattice.point_group,
            "translations": lattice.translations,
            "space": lattice.space_group,
        }
        return SymmetrizedModel(model, groups[symmetry](), spin_flip)  # type: ignore[arg-type]
    if name != "transformer" and patch_size != 1:
        raise ModelError(f"patches of several sites need the Transformer, not {name!r}")
    n = lattice.n_sites
    if name in RBM_MODELS:
        if name == "rbm":
            return RBM(n, alpha, complex=phase, dtype=dtype)
        return SymmetricRBM(lattice, alpha, complex=phase, dtype=dtype)
    if name == "rnn":
        order = lattice.ordering("snake")
        return RNN(n, hidden=hidden, layers=layers or 1, order=order.tolist(), **options)
    if name == "rnn2d":
        return RNN2D(lattice, hidden=hidden, layers=layers or 1, **options)
    if name == "transformer":
        shape = lattice.extent if lattice.ndim == 2 else None
        return Transformer(
            n,
            width=hidden,
            layers=layers or 2,
            heads=heads,
            patch_size=patch_size,
            shape=shape,  # type: ignore[arg-type]
            **options,
        )
    return MADE(n, hidden=hidden, layers=layers or 2, **options)
