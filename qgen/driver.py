r"""The one training engine: every trained thing in qgen is a :class:`Driver`.

A driver subclass holds its model, its optimizers and what one step needs, and writes
only :meth:`Driver.step` (a VMC iteration, an epoch of tomography, CD or a generative
model) and, where it carries more state than the base, :meth:`Driver.state_dict`.
:meth:`Driver.run` owns everything a loop needs, written once:

- the JSON-lines log (one record per step) and a progress bar on a terminal;
- atomic checkpoints every ``checkpoint_every`` steps, when the run stops early, and
  at the end; :meth:`Driver.restore` resumes from one on the same trajectory (the
  random generator's state is part of it, so the same seed gives the same run);
- learning-rate schedules, stepped once per step (:func:`cosine_schedule`);
- early stopping on a monitored value with the best state restored
  (:class:`EarlyStopping`);
- callbacks, any of which may stop the run;
- the stop on non-finite values: a NaN or infinite monitored value or parameter raises
  :class:`~qgen.errors.NonFiniteError` before anything of that step is logged or saved,
  so the last checkpoint stays that of the last good step.

This is the shape of NetKet's ``AbstractVariationalDriver`` (``run`` owns the loop, a
subclass writes its step), applied to every workflow.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import math
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn

from qgen.distributed import Ranks, current
from qgen.errors import NonFiniteError, TrainingError
from qgen.runs import RunDirectory
from qgen.validation import require_float, require_int

__all__ = [
    "Callback",
    "Driver",
    "EarlyStopping",
    "cosine_schedule",
    "initial_parameters",
    "model_device",
    "progress_bar",
    "rank_seed",
    "seed_for",
]

CHECKPOINT_FORMAT = 2
"""The layout of :meth:`Driver.state_dict`; a checkpoint of another layout is refused."""

Record = dict[str, Any]
Callback = Callable[["Driver", Record], bool | None]
"""Called after each step with the driver and the step's record; False stops the run."""


def seed_for(seed: int, purpose: str) -> int:
    """A seed for one named purpose of a run (``"estimate"``, ``"data"``), derived from the
    run's ``seed``: each purpose draws from its own stream, so that, say, a larger final
    estimate never changes the training trajectory, and no two purposes share numbers by
    an accident of arithmetic offsets.

    >>> seed_for(0, "estimate") == seed_for(0, "estimate") != seed_for(0, "data")
    True
    """
    digest = hashlib.blake2b(f"{seed}:{purpose}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def rank_seed(seed: int, rank: int) -> int:
    """The seed of rank ``rank``'s stream: the run's own on rank 0 (one process draws what
    a plain run draws), one derived by :func:`seed_for` on every other rank."""
    return seed if rank == 0 else seed_for(seed, f"rank {rank}")


@contextlib.contextmanager
def initial_parameters(seed: int) -> Iterator[None]:
    """Inside, modules draw their initial parameters from ``seed`` (``nn.Module``
    initializers read torch's global generator, which takes no argument); outside, the
    global random state is as it was.

    >>> with initial_parameters(0):
    ...     first = torch.nn.Linear(2, 2).weight
    >>> with initial_parameters(0):
    ...     bool((torch.nn.Linear(2, 2).weight == first).all())
    True
    """
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        yield


def model_device(model: object) -> torch.device:
    """The device of a module's first parameter or buffer (the CPU for anything else)."""
    if isinstance(model, nn.Module):
        for tensor in (*model.parameters(), *model.buffers()):
            return tensor.device
    return torch.device("cpu")


def progress_bar(total: int, done: int, enabled: bool | None, unit: str = "it") -> Any:
    """A tqdm bar on stderr from ``done`` to ``total``; None when disabled, when nothing
    is left to do, or (``enabled=None``) when stderr is not a terminal, so that no bar
    ends up in a log file."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled or done >= total:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=done, file=sys.stderr, unit=unit, dynamic_ncols=True)


def cosine_schedule(
    optimizer: torch.optim.Optimizer, steps: int, floor: float = 0.0
) -> torch.optim.lr_scheduler.LambdaLR:
    r"""Learning rates that follow a cosine from their initial value :math:`\eta_0` to
    ``floor`` :math:`\cdot\,\eta_0` over ``steps`` steps (Loshchilov & Hutter, "SGDR",
    ICLR 2017), in closed form:

    .. math:: \eta_t = \eta_0\,\big[f + (1 - f)\,\tfrac12\,(1 + \cos(\pi t / T))\big].
    """
    total = require_int(steps, "steps of the schedule", minimum=1, error=TrainingError)
    floor = require_float(floor, "floor of the schedule", minimum=0.0, error=TrainingError)

    def factor(step: int) -> float:
        return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * min(step, total) / total))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


@dataclass
class EarlyStopping:
    """Stop when a monitored value (lower is better) has not improved for ``patience``
    steps, and return to the parameters of its best step.

    ``smoothing`` s judges an exponential moving average m ← s·m + (1 − s)·v instead of
    the raw value v, and ``min_steps`` forbids a stop before that many steps: both keep
    a noisy monitor (a GAN's energy distance) from stopping a run on an early dip.
    ``patience=None`` never stops but still keeps and restores the best state (model
    selection on held-out data). Steps whose record lacks the value are skipped.
    """

    monitor: str
    patience: int | None = None
    min_steps: int = 0
    smoothing: float = 0.0
    restore_best: bool = True

    def __post_init__(self) -> None:
        if self.patience is not None:
            require_int(self.patience, "patience", minimum=1, error=TrainingError)
        require_int(self.min_steps, "min_steps", minimum=0, error=TrainingError)
        require_float(self.smoothing, "smoothing", minimum=0.0, maximum=1.0, error=TrainingError)
        self.best_value = math.inf
        self.best_step = 0
        self.best_state: dict[str, Any] | None = None
        self.bad_steps = 0
        self.smoothed: float | None = None
        self.stopped = False

    def update(self, value: float | None, step: int, model: nn.Module) -> None:
        """Take the monitored ``value`` of record number ``step`` of ``model``."""
        if value is None:
            return
        s = self.smoothing
        self.smoothed = value if self.smoothed is None else s * self.smoothed + (1 - s) * value
        if self.smoothed < self.best_value:
            self.best_value = self.smoothed
            self.best_step = step
            self.best_state = copy.deepcopy(model.state_dict())
            self.bad_steps = 0
            return
        self.bad_steps += 1
        if self.patience is not None and self.bad_steps >= self.patience:
            self.stopped = step >= self.min_steps

    def state_dict(self) -> dict[str, Any]:
        return {
            "best_value": self.best_value,
            "best_step": self.best_step,
            "best_state": self.best_state,
            "bad_steps": self.bad_steps,
            "smoothed": self.smoothed,
            "stopped": self.stopped,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.best_value = float(state["best_value"])
        self.best_step = int(state["best_step"])
        self.best_state = state["best_state"]
        self.bad_steps = int(state["bad_steps"])
        self.smoothed = None if state["smoothed"] is None else float(state["smoothed"])
        self.stopped = bool(state["stopped"])


class Driver(ABC):
    """The base of every training loop in qgen (see the module docstring).

    Args:
        model: the trained ``nn.Module`` (its parameters are checked after every step
            and its state is checkpointed).
        optimizers: the ``torch.optim`` optimizers over its parameters.
        seed: seed of :attr:`generator`, the one random stream a step draws from.
        schedulers: learning-rate schedulers, stepped once after every step.
        early_stopping: optional :class:`EarlyStopping`.
        ranks: the processes of a multi-process run (default: those of
            :func:`qgen.distributed.current`, one process outside torchrun). Each rank
            draws from its own stream (:func:`rank_seed`); a subclass
            sums what its step needs over them, so that every rank holds the same
            parameters and records. Checkpoints hold every rank's stream.

    Class attributes a subclass sets: ``counter``, the name of the step count in each
    record (``"iteration"``, ``"epoch"``); ``first_count``, the count of the first record
    (0: a record describes the state before its update; 1: epochs completed);
    ``finite_keys``, the record values that must be finite.
    """

    counter: ClassVar[str] = "step"
    first_count: ClassVar[int] = 0
    finite_keys: ClassVar[tuple[str, ...]] = ()
    unit: ClassVar[str] = "it"
    distributable: ClassVar[bool] = False
    """Whether :meth:`step` sums over the ranks; a driver that does not refuses to run as
    several processes (its ranks would drift apart)."""

    def __init__(
        self,
        model: nn.Module,
        optimizers: Sequence[torch.optim.Optimizer],
        *,
        seed: int = 0,
        schedulers: Sequence[Any] = (),
        early_stopping: EarlyStopping | None = None,
        ranks: Ranks | None = None,
    ) -> None:
        self.model = model
        self.optimizers = list(optimizers)
        self.schedulers = list(schedulers)
        self.early_stopping = early_stopping
        self.seed = require_int(seed, "seed", minimum=0, maximum=2**64 - 1, error=TrainingError)
        self.ranks = current() if ranks is None else ranks
        if self.ranks.distributed and not self.distributable:
            raise TrainingError(
                f"{type(self).__name__} runs as one process, not as {self.ranks.world_size}; "
                "start it without torchrun"
            )
        self.device = model_device(model)
        self.generator = torch.Generator(device=self.device).manual_seed(
            rank_seed(self.seed, self.ranks.rank)
        )
        self.steps = 0

    @abstractmethod
    def step(self) -> Record:
        """One step (its index is :attr:`steps`, the steps completed before it); returns
        its record without the step count, which :meth:`run` adds."""

    # --- state -------------------------------------------------------------------------------

    @property
    def stopped(self) -> bool:
        """True once early stopping has ended the run."""
        return self.early_stopping is not None and self.early_stopping.stopped

    @property
    def best_step(self) -> int | None:
        """The count of the record with the best monitored value (None without early
        stopping, or before any value was seen)."""
        stopping = self.early_stopping
        return None if stopping is None or stopping.best_state is None else stopping.best_step

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue the same trajectory; subclasses add theirs."""
        return {
            "format": CHECKPOINT_FORMAT,
            "steps": self.steps,
            "model": self.model.state_dict(),
            "optimizers": [optimizer.state_dict() for optimizer in self.optimizers],
            "schedulers": [scheduler.state_dict() for scheduler in self.schedulers],
            **self.per_rank("generator", self.generator.get_state()),
            "world_size": self.ranks.world_size,
            "early_stopping": None
            if self.early_stopping is None
            else self.early_stopping.state_dict(),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict`; a checkpoint of another run is refused by name."""
        try:
            self._load_state(state)
        except (KeyError, RuntimeError, ValueError, TypeError, IndexError) as error:
            raise TrainingError(f"the checkpoint does not fit this run: {error}") from error

    def _load_state(self, state: Mapping[str, Any]) -> None:
        if state.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(
                f"expected checkpoint format {CHECKPOINT_FORMAT}, found {state.get('format')!r} "
                "(written by another version of qgen)"
            )
        if len(state["optimizers"]) != len(self.optimizers):
            raise ValueError(
                f"it holds {len(state['optimizers'])} optimizers, this run {len(self.optimizers)}"
            )
        self.model.load_state_dict(state["model"])
        for optimizer, saved in zip(self.optimizers, state["optimizers"], strict=True):
            optimizer.load_state_dict(saved)
        for scheduler, saved in zip(self.schedulers, state["schedulers"], strict=False):
            scheduler.load_state_dict(saved)
        generator, _ = self.own_rank_state(state, "generator")
        if generator is not None:
            self.generator.set_state(generator)
        else:  # resumed on more processes than wrote the checkpoint: a fresh stream
            self.generator.manual_seed(
                seed_for(self.seed, f"rank {self.ranks.rank} from step {state['steps']}")
            )
        if self.early_stopping is not None and state["early_stopping"] is not None:
            self.early_stopping.load_state_dict(state["early_stopping"])
        steps = state["steps"]
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
            raise ValueError(f"expected a non-negative step count, found {steps!r}")
        self.steps = steps

    def per_rank(self, name: str, value: Any) -> dict[str, Any]:
        """A checkpoint entry that differs between ranks (a random stream, Markov chains):
        ``{name: value}`` of rank 0 and, in a multi-process run, ``{name}_by_rank`` with
        every rank's (a collective: every rank calls it)."""
        if not self.ranks.distributed:
            return {name: value}
        values = self.ranks.gather_objects(value)
        return {name: values[0], f"{name}_by_rank": values}

    def own_rank_state(self, state: Mapping[str, Any], name: str) -> tuple[Any, bool]:
        """This rank's value of a :meth:`per_rank` entry, and whether the checkpoint was
        written by as many processes as run now. At another process count rank 0 continues
        rank 0's and the other ranks get None (they start afresh)."""
        by_rank = state.get(f"{name}_by_rank") or [state[name]]
        if len(by_rank) == self.ranks.world_size:
            return by_rank[self.ranks.rank], True
        return (by_rank[0] if self.ranks.is_main else None), False

    def restore(self, run_dir: RunDirectory | None) -> int:
        """Continue from the checkpoint of ``run_dir``; the log keeps only the records of
        the steps that the checkpoint has done. In a multi-process run rank 0 reads the
        checkpoint and gives it to every rank (``run_dir`` is None on the others).
        Returns the number of processes that wrote the checkpoint."""
        state = self.ranks.on_main(lambda: run_dir.load_checkpoint())  # type: ignore[union-attr]
        self.load_state_dict(state)
        if run_dir is not None:
            done = self.steps + self.first_count
            run_dir.truncate_log(lambda record: record.get(self.counter, math.inf) < done)
        written_by = state.get("world_size", 1)
        return written_by if isinstance(written_by, int) else 1

    # --- checks ------------------------------------------------------------------------------

    def _check_parameters(self) -> None:
        named = list(self.model.named_parameters())
        if not named:
            return
        finite = torch.stack([torch.isfinite(p).all() for _, p in named])
        if bool(finite.all()):  # one device sync per step, whatever the parameter count
            return
        for name, parameter in named:
            if not bool(torch.isfinite(parameter).all()):
                raise NonFiniteError(
                    f"{self.counter} {self.steps + self.first_count}: parameter {name!r} "
                    "became NaN or infinite; lower the learning rate, or resume from the "
                    "last checkpoint with a smaller one"
                )

    def _step_checked(self) -> Record:
        """:meth:`step`, with a failure caused by parameters that became NaN inside it (a
        sampler refusing NaN probabilities, a metric refusing NaN samples) reported as
        the :class:`~qgen.errors.NonFiniteError` it is."""
        try:
            return self.step()
        except NonFiniteError:
            raise
        except (RuntimeError, ValueError):
            self._check_parameters()  # raises NonFiniteError (the cause stays chained)
            raise

    def _check_record(self, record: Record) -> None:
        for key in self.finite_keys:
            value = record.get(key)
            if value is not None and not math.isfinite(value):
                raise NonFiniteError(
                    f"{self.counter} {record[self.counter]}: {key} is {value}; lower the "
                    "learning rate, or resume from the last checkpoint with a smaller one"
                )

    # --- the loop ----------------------------------------------------------------------------

    def postfix(self, record: Record) -> str:
        """The progress bar's text for a record (the finite keys by default)."""
        parts = [
            f"{key}={record[key]:.5g}" for key in self.finite_keys if record.get(key) is not None
        ]
        return " ".join(parts)

    def run(
        self,
        n_steps: int,
        *,
        run_dir: RunDirectory | None = None,
        checkpoint_every: int = 1,
        progress: bool | None = None,
        callbacks: Sequence[Callback] = (),
    ) -> list[Record]:
        """Step until :attr:`steps` reaches ``n_steps`` (so a resumed run ends at the same
        total), early stopping ends the run, or a callback returns False. Returns the
        records of this call.

        With ``run_dir``, each record is appended to its log, and a checkpoint is saved
        every ``checkpoint_every`` steps, when the run stops early, and at the end.
        ``progress=None`` draws a bar only when stderr is a terminal. With early
        stopping, the model ends at its best step's parameters.

        Raises:
            NonFiniteError: a monitored value or a parameter became NaN or infinite; the
                checkpoint of the last good step is kept.
        """
        n_steps = require_int(n_steps, "number of steps", minimum=0, error=TrainingError)
        checkpoint_every = require_int(
            checkpoint_every, "checkpoint interval", minimum=1, error=TrainingError
        )
        records: list[Record] = []
        self._check_parameters()
        # Rank 0 alone holds the run directory; the others take part in its checkpoints.
        saving = self.ranks.broadcast(run_dir is not None)
        if not self.ranks.is_main:
            progress = False
        bar = None if self.stopped else progress_bar(n_steps, self.steps, progress, self.unit)
        try:
            while self.steps < n_steps and not self.stopped:
                record = self.advance()
                records.append(record)
                if run_dir is not None:
                    run_dir.append_log(record)
                if saving and (self.steps % checkpoint_every == 0 or self.stopped):
                    self._save_checkpoint(run_dir)
                if bar is not None:
                    bar.set_postfix_str(self.postfix(record), refresh=False)
                    bar.update(1)
                if any(callback(self, record) is False for callback in callbacks):
                    break
        finally:
            if bar is not None:
                bar.close()
        if saving and records:
            self._save_checkpoint(run_dir)
        self.restore_best()
        return records

    def _save_checkpoint(self, run_dir: RunDirectory | None) -> None:
        state = self.state_dict()  # on every rank: it gathers their streams
        if run_dir is not None:
            run_dir.save_checkpoint(state)

    def advance(self) -> Record:
        """One step with what :meth:`run` does around it (the checks, the schedules, the
        step count, early stopping), but no log or checkpoint; returns its record. Use
        this, not :meth:`step`, to drive a driver by hand (a benchmark timing steps)."""
        start = time.perf_counter()
        learning_rate = self.optimizers[0].param_groups[0]["lr"] if self.optimizers else None
        record: Record = {self.counter: self.steps + self.first_count}
        record.update(self._step_checked())
        self._check_record(record)
        self._check_parameters()
        for scheduler in self.schedulers:
            scheduler.step()
        self.steps += 1
        record.setdefault("learning_rate", learning_rate)
        record["seconds"] = time.perf_counter() - start
        stopping = self.early_stopping
        if stopping is not None and record.get(stopping.monitor) is not None:
            stopping.update(record[stopping.monitor], record[self.counter], self.model)
            record[f"best_{stopping.monitor}"] = stopping.best_value
        return record

    def restore_best(self) -> None:
        """Load the parameters of the best step, when early stopping keeps one."""
        stopping = self.early_stopping
        if stopping is not None and stopping.restore_best and stopping.best_state is not None:
            self.model.load_state_dict(stopping.best_state)
