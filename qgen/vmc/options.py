"""The options of a VMC run besides the system: the ``[vmc]`` table, declared once
(:mod:`qgen.options`): the ``qgen vmc`` flags, the TOML keys, their validation and the
run's saved config all come from the fields below."""

from __future__ import annotations

from dataclasses import dataclass

from qgen.errors import ConfigError
from qgen.models.registry import MODELS, SYMMETRIES
from qgen.options import Options, option
from qgen.sampling.metropolis import RULES

__all__ = ["DEFAULT_LEARNING_RATES", "DTYPES", "OPTIMIZERS", "SCHEDULES", "VMCOptions"]

OPTIMIZERS = ("adam", "sgd", "sr", "minsr")
SCHEDULES = ("constant", "cosine")
DTYPES = ("float32", "float64")
DEFAULT_LEARNING_RATES = {"adam": 1e-3, "sgd": 1e-2, "sr": 5e-2, "minsr": 5e-2}


def _vmc_models() -> list[str]:
    return [name for name, spec in MODELS.items() if "vmc" in spec.workflows]


def _samplers() -> tuple[str, ...]:
    return ("auto", "autoregressive", "exact", *RULES.names())


@dataclass
class VMCOptions(Options):
    """Everything of a VMC run besides the system (the ``[vmc]`` table)."""

    table = "vmc"

    model: str = option("rnn", "the wave function", choices=_vmc_models, group="wave function")
    hidden: int = option(
        32, "hidden units (RNN, MADE) or width (Transformer)", minimum=1, group="wave function"
    )
    alpha: float = option(
        1.0,
        "RBM hidden units per site (symmetric-rbm: filters)",
        minimum=0.0,
        inclusive=False,
        group="wave function",
    )
    layers: int | None = option(
        None,
        "layers",
        minimum=1,
        group="wave function",
        default_help="1 for the RNNs, 2 for the Transformer and MADE",
    )
    heads: int = option(4, "attention heads (Transformer)", minimum=1, group="wave function")
    patch_size: int = option(1, "sites per token (Transformer)", minimum=1, group="wave function")
    symmetry: str = option(
        "none",
        "average an autoregressive model over the lattice's point group, translations or "
        "both (space), keeping exact sampling; costs one evaluation per group element",
        choices=SYMMETRIES,
        group="wave function",
    )
    spin_flip: bool = option(
        False,
        "also average over the global spin inversion (S^z = 0 only)",
        group="wave function",
    )
    phase: bool | None = option(
        None,
        "a phase head (complex ψ; complex RBM parameters)",
        group="wave function",
        default_help="where the Hamiltonian's signs are not known (j1j2, Pauli terms)",
    )
    u1: bool | None = option(
        None,
        "project the model on an S^z sector",
        group="wave function",
        default_help="where the Hamiltonian conserves S^z",
    )
    dtype: str = option("float32", "parameter dtype", choices=DTYPES, group="wave function")
    samples: int = option(
        1024,
        "samples per iteration (two at least: an error bar needs two)",
        minimum=2,
        group="sampling",
    )
    sampler: str = option(
        "auto",
        "auto: autoregressive for autoregressive models; for RBMs exchange (Metropolis, "
        "swaps along bonds) in an S^z sector, else local (single flips)",
        choices=_samplers,
        group="sampling",
    )
    chains: int = option(16, "Markov chains", minimum=1, group="sampling")
    sweep_size: int | None = option(
        None,
        "Metropolis steps between kept samples",
        minimum=1,
        group="sampling",
        default_help="the number of sites",
    )
    replicas: int = option(
        1, "parallel-tempering replicas per chain (1: off)", minimum=1, group="sampling"
    )
    iterations: int = option(300, "iterations", minimum=0, group="optimization", resumable=True)
    optimizer: str = option("sr", "optimizer", choices=OPTIMIZERS, group="optimization")
    lr: float | None = option(
        None,
        "learning rate",
        minimum=0.0,
        inclusive=False,
        group="optimization",
        default_help="1e-3 (adam), 1e-2 (sgd), 5e-2 (sr, minsr)",
    )
    diag_shift: float = option(1e-3, "SR diagonal shift", minimum=0.0, group="optimization")
    momentum: float = option(
        0.0,
        "SR/MinSR momentum μ (SPRING, Goldshlager et al. 2024)",
        minimum=0.0,
        maximum=1.0,
        group="optimization",
    )
    clip_width: float | None = option(
        None,
        "clip the local energies of the gradient at this many mean absolute deviations "
        "from their median (FermiNet's 5)",
        minimum=0.0,
        inclusive=False,
        group="optimization",
        default_help="no clipping",
    )
    lr_schedule: str = option(
        "constant",
        "learning-rate schedule (cosine: to 5% over the iterations)",
        choices=SCHEDULES,
        group="optimization",
    )
    anneal_temperature: float = option(
        0.0,
        "initial temperature of variational annealing",
        minimum=0.0,
        group="optimization",
    )
    anneal_iterations: int = option(
        0, "iterations over which T falls linearly to 0", minimum=0, group="optimization"
    )
    seed: int = option(
        0,
        "seed of the initial parameters and the samples",
        minimum=0,
        maximum=2**63 - 1,
        group="run",
    )
    checkpoint_every: int = option(
        50, "iterations between checkpoints", minimum=1, group="run", resumable=True
    )
    final_samples: int = option(
        10_000, "samples of the final estimate", minimum=2, group="run", resumable=True
    )
    chunk_size: int = option(65_536, "configurations per model call", minimum=1, group="run")

    def check(self) -> None:
        if self.momentum > 0.0 and self.optimizer not in ("sr", "minsr"):
            raise ConfigError(
                f"--momentum is SPRING's, for --optimizer sr or minsr, not {self.optimizer!r}"
            )
        if self.anneal_temperature > 0 and self.anneal_iterations == 0:
            raise ConfigError("--anneal-temperature needs --anneal-iterations > 0 to fall over")

    @property
    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else DEFAULT_LEARNING_RATES[self.optimizer]
