"""The options of a VMC run besides the system: the ``[vmc]`` table of ``qgen vmc``."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from qgen.errors import ConfigError
from qgen.models.registry import MODELS, SYMMETRIES
from qgen.sampling.metropolis import RULES

__all__ = ["DTYPES", "OPTIMIZERS", "SAMPLERS", "SCHEDULES", "VMCOptions"]

OPTIMIZERS = ("adam", "sgd", "sr", "minsr")
SCHEDULES = ("constant", "cosine")
DTYPES = ("float32", "float64")
SAMPLERS = ("auto", "autoregressive", "exact", *RULES)
"""``auto``: autoregressive for autoregressive models; for RBMs ``exchange`` in an S^z
sector, else ``local`` (Metropolis)."""

DEFAULT_LEARNING_RATES = {"adam": 1e-3, "sgd": 1e-2, "sr": 5e-2, "minsr": 5e-2}


@dataclass
class VMCOptions:
    """Everything of a VMC run besides the system (the ``[vmc]`` table)."""

    model: str = "rnn"
    alpha: float = 1.0  # RBM hidden units per site (filters for symmetric-rbm)
    hidden: int = 32
    layers: int | None = None
    heads: int = 4
    patch_size: int = 1
    symmetry: str = "none"  # average an autoregressive model over lattice symmetries
    spin_flip: bool = False  # ... and over the global spin inversion
    phase: bool | None = None  # None: a phase head only where the sign is not known
    u1: bool | None = None  # None: project on S^z when the Hamiltonian conserves it
    dtype: str = "float32"
    samples: int = 1024
    sampler: str = "auto"
    chains: int = 16  # Markov chains (local, exchange)
    sweep_size: int | None = None  # Metropolis steps between kept samples; None: n_sites
    replicas: int = 1  # parallel-tempering replicas per chain (1: off)
    iterations: int = 300
    optimizer: str = "sr"
    lr: float | None = None  # None: DEFAULT_LEARNING_RATES[optimizer]
    diag_shift: float = 1e-3
    momentum: float = 0.0  # SPRING's μ for SR/MinSR
    clip_width: float | None = None  # clip gradient local energies at this many MADs
    lr_schedule: str = "constant"
    anneal_temperature: float = 0.0
    anneal_iterations: int = 0
    seed: int = 0
    checkpoint_every: int = 50
    final_samples: int = 10_000
    chunk_size: int = 65_536

    def validate(self, source: str) -> None:
        """Check types and ranges; raise :class:`ConfigError` naming the key."""
        choices = {
            "model": MODELS,
            "optimizer": OPTIMIZERS,
            "lr_schedule": SCHEDULES,
            "dtype": DTYPES,
            "sampler": SAMPLERS,
            "symmetry": SYMMETRIES,
        }
        for key, allowed in choices.items():
            value = getattr(self, key)
            if value not in allowed:
                raise ConfigError(f"{source}: expected {key} in {allowed}, got {value!r}")
        positive = (
            "hidden",
            "heads",
            "patch_size",
            "samples",
            "chains",
            "replicas",
            "checkpoint_every",
            "final_samples",
            "chunk_size",
        )
        for key in positive:
            _require_int(source, key, getattr(self, key), minimum=1)
        for key in ("iterations", "anneal_iterations", "seed"):
            _require_int(source, key, getattr(self, key), minimum=0)
        for key in ("layers", "sweep_size"):
            if getattr(self, key) is not None:
                _require_int(source, key, getattr(self, key), minimum=1)
        if not isinstance(self.spin_flip, bool):
            raise ConfigError(
                f"{source}: expected true or false for spin_flip, got {self.spin_flip!r}"
            )
        for key in ("phase", "u1"):
            value = getattr(self, key)
            if value is not None and not isinstance(value, bool):
                raise ConfigError(f"{source}: expected true or false for {key}, got {value!r}")
        numbers = (
            ("lr", 0.0),
            ("diag_shift", 0.0),
            ("anneal_temperature", 0.0),
            ("alpha", 0.0),
            ("momentum", 0.0),
            ("clip_width", 0.0),
        )
        for key, minimum in numbers:
            value = getattr(self, key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(f"{source}: expected a number for {key}, got {value!r}")
            zero_allowed = key not in ("lr", "alpha", "clip_width")
            if not math.isfinite(value) or value < minimum or (value == 0 and not zero_allowed):
                raise ConfigError(f"{source}: expected a finite {key} > {minimum:g}, got {value!r}")
        if self.momentum >= 1.0:
            raise ConfigError(f"{source}: expected a momentum below 1, got {self.momentum!r}")
        if self.momentum > 0.0 and self.optimizer not in ("sr", "minsr"):
            raise ConfigError(
                f"{source}: momentum is SPRING's, for optimizer sr or minsr, not {self.optimizer!r}"
            )

    @property
    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else DEFAULT_LEARNING_RATES[self.optimizer]

    def to_table(self) -> dict[str, Any]:
        return asdict(self)


def _require_int(source: str, key: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{source}: expected an integer {key} >= {minimum}, got {value!r}")
