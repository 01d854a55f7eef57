"""Small instances of every autoregressive model, for tests (float64, few parameters)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from scipy import stats

from qgen.hilbert import all_configs, configs_to_indices
from qgen.lattice import Square
from qgen.models import MADE, RNN, RNN2D, AutoregressiveModel, Transformer

N_SITES = 8
"""Every zoo model has 8 sites (a 4×2 square lattice for the 2D ones)."""

MakeModel = Callable[..., AutoregressiveModel]

ZOO: dict[str, MakeModel] = {
    "rnn": lambda **o: RNN(8, hidden=6, dtype=torch.float64, **o),
    "rnn-2layers-snake": lambda **o: RNN(
        8,
        hidden=5,
        layers=2,
        order=Square(4, 2).ordering("snake").tolist(),
        dtype=torch.float64,
        **o,
    ),
    "rnn2d": lambda **o: RNN2D(Square(4, 2), hidden=5, layers=2, dtype=torch.float64, **o),
    "transformer": lambda **o: Transformer(8, width=8, layers=2, heads=2, dtype=torch.float64, **o),
    "transformer-2d-patches": lambda **o: Transformer(
        8, width=8, layers=1, heads=2, patch_size=2, shape=(4, 2), dtype=torch.float64, **o
    ),
    "made": lambda **o: MADE(8, hidden=12, layers=2, dtype=torch.float64, **o),
}

VARIANTS = {
    "positive": {},
    "phase": {"phase": True},
    "u1-sz0": {"magnetization": 0},
    "u1-sz1-phase": {"magnetization": 1, "phase": True},
    "sign": {"sign_sites": [1, 3, 4, 6]},
}


def zoo_params() -> list:
    return [
        pytest.param(name, variant, id=f"{name}-{variant}") for name in ZOO for variant in VARIANTS
    ]


def make(name: str, variant: str, seed: int = 0) -> AutoregressiveModel:
    torch.manual_seed(seed)
    return ZOO[name](**VARIANTS[variant])


def assert_samples_follow_the_model(model: torch.nn.Module, samples: torch.Tensor) -> None:
    """Samples of the zoo's 8 sites against the model's exact ``exp(log_prob)`` by
    enumeration: none outside the support, and a chi-square p-value above 1e-4."""
    configs = all_configs(N_SITES)
    counts = torch.bincount(configs_to_indices(samples), minlength=2**N_SITES).double()
    with torch.no_grad():
        probabilities = model.log_prob(configs).exp()
    support = probabilities > 0
    assert counts[~support].sum() == 0, "samples outside the support"
    expected = samples.shape[0] * probabilities[support].numpy()
    _, p_value = stats.chisquare(counts[support].numpy(), expected)
    assert p_value > 1e-4
