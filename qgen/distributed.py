r"""Devices and processes: where a run's tensors live, and the ranks of a multi-process run.

A run on one process uses :data:`SINGLE`, whose reductions are the identity, so a plain
``qgen vmc`` creates no process group. Under ``torchrun --nproc-per-node P -m qgen …``
:func:`initialize` reads torchrun's environment (``RANK``, ``WORLD_SIZE``,
``LOCAL_RANK``, ``MASTER_ADDR``/``MASTER_PORT``) and creates the default process group:
gloo for CPU tensors, NCCL for CUDA tensors, one GPU per process (``cuda:LOCAL_RANK``).

Every sum a driver needs across processes goes through one :class:`Ranks` object:
:meth:`Ranks.sum` (an all-reduce), :meth:`Ranks.gather` (rows of every rank in rank order,
for the samples' statistics and MinSR's Jacobian rows), :meth:`Ranks.broadcast` (rank 0's
object: the run directory's name, a checkpoint) and :meth:`Ranks.agree` (the same options
on every rank). This is ``torch.distributed``'s collective API (Paszke et al., PyTorch;
Li et al., "PyTorch Distributed", VLDB 13 (2020)), not a process pool of qgen's own.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import torch

from qgen.errors import ConfigError, QgenError

__all__ = [
    "SINGLE",
    "Ranks",
    "current",
    "initialize",
    "launched_by_torchrun",
    "resolve_device",
    "shutdown",
]

T = TypeVar("T")

DEVICE_CHOICES = "auto, cpu, cuda or cuda:N"


def device_name(spec: str | torch.device | None) -> str:
    """``spec`` as a ``--device`` value (lower case; None is ``auto``), checked by form
    only: whether CUDA is present is :func:`resolve_device`'s to say.

    Raises:
        ConfigError: a name that is not one of :data:`DEVICE_CHOICES`.
    """
    text = "auto" if spec is None else str(spec).strip().lower()
    if not re.fullmatch(r"auto|cpu|cuda(:\d+)?", text):
        raise ConfigError(f"--device: expected {DEVICE_CHOICES}, got {spec!r}")
    return text


def resolve_device(spec: str | torch.device | None, local_rank: int = 0) -> torch.device:
    """The device a ``--device`` value names: ``auto`` (or None) is the GPU of this process
    when CUDA is present, else the CPU; ``cuda`` is ``cuda:LOCAL_RANK`` (the GPU of this
    rank under torchrun).

    Raises:
        ConfigError: CUDA asked for where no CUDA device is present, a GPU index beyond
            the devices present, or a name that is not a device.
    """
    text = device_name(spec)
    if text == "auto":
        return (
            torch.device("cuda", local_rank) if torch.cuda.is_available() else torch.device("cpu")
        )
    if text == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ConfigError(
            f"--device {text}: no CUDA device is present (torch {torch.__version__} sees "
            "none); use --device cpu or auto"
        )
    index_text = text.partition(":")[2]
    index = int(index_text) if index_text else local_rank
    count = torch.cuda.device_count()
    if index >= count:
        raise ConfigError(f"--device {text}: expected a GPU index below {count} (the GPUs present)")
    return torch.device("cuda", index)


def _flat(tensor: torch.Tensor) -> torch.Tensor:
    """A real contiguous view for the collectives (gloo reduces no complex tensors)."""
    tensor = tensor.contiguous()
    return torch.view_as_real(tensor) if tensor.is_complex() else tensor


@dataclass(frozen=True)
class Ranks:
    """The processes of a run: this one's ``rank`` among ``world_size``. With one process
    every method returns its input (no process group is needed)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    backend: str | None = None

    @property
    def distributed(self) -> bool:
        """Whether more than one process takes part."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Whether this is rank 0, the one that writes the run directory and reports."""
        return self.rank == 0

    def share(self, total: int) -> int:
        """This rank's part of ``total`` samples (or chains): ``⌈total / world_size⌉``,
        the same on every rank, so that the run has at least ``total`` in all."""
        return math.ceil(total / self.world_size)

    def share_note(self, total: int, what: str) -> str | None:
        """The sentence saying that ``total`` was rounded up to share it, or None."""
        part = self.share(total)
        if part * self.world_size == total:
            return None
        return (
            f"{total:,} {what} do not divide among {self.world_size} processes: "
            f"{part:,} per process, {part * self.world_size:,} in all"
        )

    # --- collectives (identity on one process) --------------------------------------------

    def sum(self, tensor: torch.Tensor) -> torch.Tensor:
        """The element-wise sum of ``tensor`` over the ranks (a new tensor)."""
        if not self.distributed:
            return tensor
        import torch.distributed as dist

        result = tensor.clone()
        dist.all_reduce(_flat(result))
        return result

    def sum_(self, tensor: torch.Tensor) -> None:
        """Replace ``tensor`` by its sum over the ranks, in place."""
        if not self.distributed:
            return
        if not tensor.is_contiguous():
            tensor.copy_(self.sum(tensor))
            return
        import torch.distributed as dist

        dist.all_reduce(_flat(tensor))  # a view of the tensor's own memory

    def sum_float(self, value: float) -> float:
        """The sum of a Python number over the ranks, in float64."""
        if not self.distributed:
            return float(value)
        return float(
            self.sum(torch.tensor([float(value)], dtype=torch.float64, device=self._device()))
        )

    def gather(self, tensor: torch.Tensor) -> torch.Tensor:
        """The rows (dim 0) of ``tensor`` from every rank, concatenated in rank order; the
        ranks may hold different numbers of rows."""
        if not self.distributed:
            return tensor
        import torch.distributed as dist

        tensor = tensor.contiguous()
        sizes = [
            torch.zeros(1, dtype=torch.int64, device=tensor.device) for _ in range(self.world_size)
        ]
        dist.all_gather(sizes, torch.tensor([tensor.shape[0]], device=tensor.device))
        counts = [int(size) for size in sizes]
        longest = max(counts)
        padded = tensor.new_zeros((longest, *tensor.shape[1:]))
        padded[: tensor.shape[0]] = tensor
        parts = [torch.empty_like(padded) for _ in range(self.world_size)]
        dist.all_gather([_flat(part) for part in parts], _flat(padded))
        return torch.cat([part[:count] for part, count in zip(parts, counts, strict=True)])

    def gather_objects(self, value: Any) -> list[Any]:
        """One picklable object from every rank, in rank order."""
        if not self.distributed:
            return [value]
        import torch.distributed as dist

        values: list[Any] = [None] * self.world_size
        dist.all_gather_object(values, value)
        return values

    def broadcast(self, value: T) -> T:
        """Rank 0's ``value`` on every rank."""
        if not self.distributed:
            return value
        import torch.distributed as dist

        box = [value if self.is_main else None]
        dist.broadcast_object_list(box, src=0)
        return box[0]  # type: ignore[return-value]

    def agree(self, value: Any, what: str) -> None:
        """Refuse to start unless every rank holds the same ``value`` (its options, a
        nested dict of tables).

        Raises:
            ConfigError: on every rank, naming the first rank that differs from rank 0.
        """
        values = self.gather_objects(value)
        for rank, other in enumerate(values):
            if other != values[0]:
                raise ConfigError(
                    f"the processes were started with different {what}: rank {rank} differs "
                    f"from rank 0 in {first_difference(values[0], other)}; start every "
                    "rank with the same command line"
                )

    def on_main(self, action: Callable[[], T]) -> T:
        """Run ``action`` on rank 0 alone and give its result to every rank; a
        :class:`~qgen.errors.QgenError` it raises is raised on every rank (so that no rank
        waits for one that has stopped)."""
        if not self.distributed:
            return action()
        outcome: tuple[bool, Any] = (True, None)
        if self.is_main:
            try:
                outcome = (True, action())
            except QgenError as error:
                outcome = (False, error)
        ok, value = self.broadcast(outcome)
        if not ok:
            raise value
        return value

    def _device(self) -> torch.device:
        if self.backend == "nccl":
            return torch.device("cuda", torch.cuda.current_device())
        return torch.device("cpu")


SINGLE = Ranks()
"""The one process of a plain run."""

_current = SINGLE


def launched_by_torchrun() -> bool:
    """Whether torchrun (or another launcher with its environment) started this process
    as one of several (a ``WORLD_SIZE`` that is not a number counts: :func:`initialize`
    then names it)."""
    size = os.environ.get("WORLD_SIZE", "1").strip()
    return not size.isdigit() or int(size) > 1


def initialize(device: str | torch.device | None = "auto") -> tuple[Ranks, torch.device]:
    """The ranks and this process's device. Outside torchrun: :data:`SINGLE` and
    :func:`resolve_device` of ``device``; under torchrun: the default process group
    (created once; NCCL when the device is a GPU, else gloo) and, for CUDA, the GPU
    ``LOCAL_RANK``.

    Raises:
        ConfigError: a device that is not present, or a torchrun environment that
            cannot be read.
    """
    global _current
    if not launched_by_torchrun():
        return SINGLE, resolve_device(device)
    try:
        rank = int(os.environ["RANK"])
        world_size = int(os.environ["WORLD_SIZE"])
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    except (KeyError, ValueError) as error:
        raise ConfigError(
            f"torchrun's environment cannot be read (WORLD_SIZE "
            f"{os.environ.get('WORLD_SIZE')!r}: {error}); start several processes with torchrun"
        ) from None
    resolved = resolve_device(device, local_rank)
    if resolved.type == "cuda" and resolved.index != local_rank % torch.cuda.device_count():
        raise ConfigError(
            f"--device {device}: under torchrun each process takes the GPU of its local "
            "rank; pass --device cuda or auto"
        )
    backend = "nccl" if resolved.type == "cuda" else "gloo"
    import torch.distributed as dist

    if not dist.is_initialized():
        if resolved.type == "cuda":
            torch.cuda.set_device(resolved)
        dist.init_process_group(backend=backend)
    _current = Ranks(rank, world_size, local_rank, backend)
    return _current, resolved


def current() -> Ranks:
    """The ranks that :func:`initialize` set up (:data:`SINGLE` before, or outside torchrun)."""
    return _current


def shutdown() -> None:
    """Destroy the process group, if :func:`initialize` made one."""
    global _current
    if _current.distributed:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()
    _current = SINGLE


def first_difference(left: Any, right: Any, prefix: str = "") -> str:
    """The first key at which two nested dicts of options differ, as ``key: a vs b``."""
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right), key=str):
            if left.get(key) != right.get(key):
                return first_difference(left.get(key), right.get(key), f"{prefix}{key}.")
    return f"{prefix.rstrip('.')}: {left!r} on rank 0, {right!r} there"
