"""Run directories: atomic files, JSON-lines logs, checkpoints and resolved configs.

Every training workflow (VMC, tomography, generative models) leaves the same files:

``config.toml``
    the resolved configuration, so that ``--resume`` can refuse a changed run;
``log.jsonl``
    one JSON object per iteration or epoch;
``checkpoint.pt``
    the state from which the run resumes;
``summary.json``
    the final figures with their error bars;
``*.png``
    plots.

Files are written to a temporary name in the same directory and then renamed
(:func:`os.replace` is atomic on POSIX and Windows), so a run killed mid-write leaves
the previous complete version in place, never a truncated file.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import pickle
import tempfile
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import torch

from qgen.errors import ConfigError, RunDirectoryError

__all__ = [
    "CHECKPOINT_FILE",
    "CONFIG_FILE",
    "LOG_FILE",
    "SUMMARY_FILE",
    "RunDirectory",
    "atomic_write_bytes",
    "atomic_write_text",
    "to_json",
    "to_toml",
]

CONFIG_FILE = "config.toml"
LOG_FILE = "log.jsonl"
CHECKPOINT_FILE = "checkpoint.pt"
SUMMARY_FILE = "summary.json"
LOCK_FILE = ".lock"
"""Held (``flock``) by the process running in the directory, with its process id."""


def _file_mode() -> int:
    """The mode ``open()`` would give a new file (0o666 less the umask): ``mkstemp``'s
    0o600 would make run files unreadable to collaborators."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename (with the
    mode a plain ``open()`` would give it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, _file_mode())
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def _json_default(value: object) -> object:
    """Turn numpy and torch scalars into plain Python numbers for :mod:`json`."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    item = getattr(value, "item", None)
    if callable(item):
        return item()
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def _finite_or_none(value: Any) -> Any:
    """Replace NaN/Inf by None: JSON has no spelling for them (json.dumps writes invalid NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite_or_none(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_or_none(item) for item in value]
    return value


def to_json(record: Mapping[str, Any], indent: int | None = None) -> str:
    """Serialize ``record`` as strict JSON (non-finite floats become ``null``)."""
    plain = json.loads(json.dumps(record, default=_json_default))
    return json.dumps(_finite_or_none(plain), indent=indent, allow_nan=False)


def _toml_value(key: str, value: Any) -> str:
    if value is None:
        return '"none"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConfigError(f"config key {key!r}: TOML cannot hold the non-finite value {value}")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(key, item) for item in value) + "]"
    raise ConfigError(
        f"config key {key!r}: expected a bool, number, string or list, got {type(value).__name__}"
    )


def to_toml(tables: Mapping[str, Mapping[str, Any]]) -> str:
    """Write ``{table: {key: value}}`` as TOML: scalar and list values, and lists of tables
    as arrays of tables (``[[system.terms]]``). TOML has no null: ``None`` is written as
    ``"none"``, which :mod:`qgen.options` reads back as ``None``, so that a resumed run
    gets exactly the settings it was started with.

    >>> print(to_toml({"system": {"size": 16, "J": 1.0, "lattice": "chain"}}), end="")
    [system]
    size = 16
    J = 1.0
    lattice = "chain"
    """
    lines: list[str] = []
    for name, table in tables.items():
        if lines:
            lines.append("")
        lines.append(f"[{name}]")
        arrays = {}
        for key, value in table.items():
            if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
                arrays[key] = value
            else:
                lines.append(f"{key} = {_toml_value(f'{name}.{key}', value)}")
        for key, entries in arrays.items():
            for entry in entries:
                lines.extend(["", f"[[{name}.{key}]]"])
                lines.extend(
                    f"{k} = {_toml_value(f'{name}.{key}.{k}', v)}"
                    for k, v in entry.items()
                    if v is not None
                )
    return "\n".join(lines) + "\n"


class RunDirectory:
    """The directory of one training run.

    Parameters
    ----------
    path:
        Where the run lives.
    resume:
        ``False`` (default): a fresh run; the directory may exist only if it holds no
        earlier run's log or checkpoint, so that results are never overwritten.
        ``True``: the directory must hold a checkpoint to resume from.
    """

    def __init__(self, path: str | Path, resume: bool = False) -> None:
        self.path = Path(path)
        self.resume = resume
        self._lock_handle: Any = None
        if resume:
            if not self.checkpoint_path.exists():
                raise RunDirectoryError(
                    f"cannot resume: expected a checkpoint at {self.checkpoint_path}, found none"
                )
        else:
            leftovers = [
                name
                for name in (LOG_FILE, CHECKPOINT_FILE, SUMMARY_FILE)
                if (self.path / name).exists()
            ]
            if leftovers:
                raise RunDirectoryError(
                    f"run directory {self.path} already holds a run ({', '.join(leftovers)}); "
                    "resume it (qgen --resume) or choose another directory"
                )
            try:
                self.path.mkdir(parents=True, exist_ok=True)
            except OSError as error:  # a regular file on the way, /proc, no permission
                raise RunDirectoryError(
                    f"cannot create the run directory {self.path}: {error.strerror}"
                ) from None

    def lock(self) -> None:
        """Hold the directory for this process until :meth:`unlock` (or its exit): a
        second run, or a ``--resume`` while the first still runs, is refused instead of
        interleaving its log and checkpoints with the first's. Without ``fcntl``
        (Windows) nothing is locked."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on POSIX
            return
        handle = open(self.path / LOCK_FILE, "a+", encoding="utf-8")  # noqa: SIM115 - held
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise RunDirectoryError(
                f"run directory {self.path} is in use by a running qgen process "
                f"(pid {holder}); wait for it to finish, or choose another directory"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_handle = handle

    @contextlib.contextmanager
    def held(self) -> Iterator[RunDirectory]:
        """:meth:`lock` for the ``with`` block."""
        self.lock()
        try:
            yield self
        finally:
            self.unlock()

    def unlock(self) -> None:
        """Release :meth:`lock` (the lock file stays, empty of meaning once unlocked)."""
        handle = self._lock_handle
        if handle is not None:
            handle.close()  # closing the descriptor releases the flock
            self._lock_handle = None

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG_FILE

    @property
    def log_path(self) -> Path:
        return self.path / LOG_FILE

    @property
    def checkpoint_path(self) -> Path:
        return self.path / CHECKPOINT_FILE

    @property
    def summary_path(self) -> Path:
        return self.path / SUMMARY_FILE

    def check_config(
        self, tables: Mapping[str, Mapping[str, Any]], resumable: Iterable[str] = ()
    ) -> None:
        """On resume, refuse a config that differs from the stored one in any key but the
        ``resumable`` ones (``"vmc.iterations"``); a mismatch names the keys. Nothing is
        written."""
        if not self.resume:
            return
        stored = self.stored_config()
        wanted = tomllib.loads(to_toml(tables))
        allowed = set(resumable)
        differences = [
            f"{table}.{key}: stored {stored.get(table, {}).get(key)!r}, "
            f"asked {wanted.get(table, {}).get(key)!r}"
            for table in sorted(set(stored) | set(wanted))
            for key in sorted(set(stored.get(table, {})) | set(wanted.get(table, {})))
            if stored.get(table, {}).get(key) != wanted.get(table, {}).get(key)
            and f"{table}.{key}" not in allowed
        ]
        if differences:
            raise RunDirectoryError(
                f"cannot resume {self.path}: its config differs from this one ("
                + "; ".join(differences)
                + ")"
            )

    def stored_config(self) -> dict[str, Any]:
        """The stored ``config.toml``; a resume without one (or with one that cannot be
        read) is refused, never continued with fresh defaults."""
        try:
            text = self.config_path.read_text(encoding="utf-8")
            return tomllib.loads(text)
        except FileNotFoundError:
            raise RunDirectoryError(
                f"cannot resume {self.path}: it holds no {CONFIG_FILE} to resume with"
            ) from None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise RunDirectoryError(
                f"cannot resume {self.path}: {self.config_path}: {error}"
            ) from None

    def write_config(
        self, tables: Mapping[str, Mapping[str, Any]], resumable: Iterable[str] = ()
    ) -> None:
        """Write the resolved config, after :meth:`check_config` on resume."""
        self.check_config(tables, resumable)
        atomic_write_text(self.config_path, to_toml(tables))

    def append_log(self, record: Mapping[str, Any]) -> None:
        """Append one JSON line to the log (flushed, so a crash keeps every finished line)."""
        with self.log_path.open("a", encoding="utf-8") as stream:
            stream.write(to_json(record) + "\n")
            stream.flush()

    def read_log(self) -> list[dict[str, Any]]:
        """Every complete record of the log (a torn last line from a crash is skipped)."""
        if not self.log_path.exists():
            return []
        return list(_complete_records(self.log_path))

    def truncate_log(self, keep_while: Any) -> None:
        """Keep the log records for which ``keep_while(record)`` holds (used on resume)."""
        records = [record for record in self.read_log() if keep_while(record)]
        atomic_write_text(self.log_path, "".join(to_json(record) + "\n" for record in records))

    def save_checkpoint(self, state: Mapping[str, Any]) -> None:
        """Save ``state`` with :func:`torch.save`, atomically."""
        import io

        buffer = io.BytesIO()
        torch.save(dict(state), buffer)
        atomic_write_bytes(self.checkpoint_path, buffer.getvalue())

    def load_checkpoint(self) -> dict[str, Any]:
        """Load the checkpoint (tensors on the CPU; callers move them). Only tensors,
        numbers, strings and containers of them are read (``weights_only``): a checkpoint
        someone sent cannot run code."""
        try:
            state = torch.load(self.checkpoint_path, map_location="cpu", weights_only=True)
        except (OSError, RuntimeError, EOFError, pickle.UnpicklingError) as error:
            raise RunDirectoryError(
                f"cannot read the checkpoint {self.checkpoint_path}: {error}"
            ) from error
        if not isinstance(state, dict):
            raise RunDirectoryError(
                f"checkpoint {self.checkpoint_path}: expected a dict, found {type(state).__name__}"
            )
        return state

    def write_summary(self, summary: Mapping[str, Any]) -> None:
        """Write ``summary.json`` atomically."""
        atomic_write_text(self.summary_path, to_json(summary, indent=2) + "\n")


def _complete_records(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            if not line.endswith("\n"):
                return  # torn by a crash mid-write
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                return
