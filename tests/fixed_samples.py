"""A sampler that returns the same samples every call: to compare what two set-ups (two
devices, one process against several) compute from the same data."""

from __future__ import annotations

import torch


class FixedSampler:
    """Returns ``x`` whatever is asked (independent samples)."""

    independent = True

    def __init__(self, x: torch.Tensor) -> None:
        self.x = x

    def sample(self, n_samples: int, generator: torch.Generator) -> torch.Tensor:
        return self.x

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass
