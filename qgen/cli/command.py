"""One way to turn declared options into a subcommand, for every ``qgen`` command.

A :class:`Command` names its option tables (:class:`~qgen.options.Options` classes),
whether it takes a ``[system]``, and which run-level options apply
(:class:`~qgen.workflow.RunOptions`). From that come its flags (with help and defaults),
the reading of a TOML config file (``qgen vmc config.toml``), the stored config of a
resumed run, the layering of defaults < file < flags, and the one-line errors, the same
for every command.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qgen.errors import ConfigError
from qgen.options import Options
from qgen.system import System, SystemOptions, coupling_parameters, load_toml
from qgen.workflow import RunOptions, default_run_directory, log_to_stderr

__all__ = ["Command", "Inputs", "print_json", "workflow_handler"]


@dataclass
class Inputs:
    """What a command's handler receives: its option tables by name, the system (for the
    commands that take one), the run options, and the log."""

    tables: dict[str, Options]
    system: System | None
    run: RunOptions
    system_keys: set[str] = field(default_factory=set)
    """The ``[system]`` keys given (in a file or as flags), as opposed to defaulted."""
    log: Callable[[str], None] = log_to_stderr
    device: Any = None
    """The ``torch.device`` that ``--device`` resolved to (set by :func:`qgen.cli.main.main`)."""
    arguments: argparse.Namespace | None = None
    """The parsed command line, for a command whose inputs are not option tables
    (``qgen plot``'s run directories)."""


@dataclass(frozen=True)
class Command:
    """A subcommand: ``handler(inputs) -> result`` (a JSON-ready dict), ``report(result)``
    for people, and the options it declares."""

    name: str
    help: str
    description: str
    tables: tuple[type[Options], ...]
    handler: Callable[[Inputs], dict[str, Any]]
    report: Callable[[dict[str, Any]], None]
    system: bool = False
    run_options: tuple[str, ...] = (
        "out", "resume", "threads", "device", "progress", "plots", "json"
    )  # fmt: skip
    default_threads: int | None = None
    """torch threads when ``--threads`` is not given (None: torch's choice). Small models
    run fastest on one thread, and two threads contending with other work for two cores
    were 3–4× slower per epoch (a spline flow on the moons: 1.1 against 4.1 s)."""

    gpu: bool = False
    """Whether the command runs on a GPU; the others run on the CPU and say so when a GPU
    is asked for."""
    processes: bool = False
    """Whether the command runs as several processes under torchrun."""
    cpu_reason: str = ""
    """Why a command that runs on the CPU does (`` (SciPy's eigensolvers)``)."""

    def add_parser(self, subparsers: Any) -> None:
        parser = subparsers.add_parser(self.name, help=self.help, description=self.description)
        groups: dict[str | None, Any] = {None: parser}
        for cls in self.tables:  # positional arguments first, in their declared order
            for declaration in cls.declarations():
                if declaration.spec.positional:
                    cls.add_arguments(parser, _all_but(cls, declaration.name), groups)
        parser.add_argument(
            "config",
            nargs="?",
            help="a TOML file with the tables of this command"
            + (" ([system], ...)" if self.system else "")
            + "; flags override it",
        )
        if self.system:
            _add_system_arguments(parser, groups)
        for cls in self.tables:
            positional = [d.name for d in cls.declarations() if d.spec.positional]
            cls.add_arguments(parser, positional, groups)
        skipped = [d.name for d in RunOptions.declarations() if d.name not in self.run_options]
        RunOptions.add_arguments(parser, skipped, groups)
        messages = parser.add_mutually_exclusive_group()
        messages.add_argument(
            "-q", "--quiet", action="store_true",
            help="only warnings and errors on stderr, and no progress bar unless --progress",
        )  # fmt: skip
        messages.add_argument(
            "-v", "--verbose", action="store_true", help="also debug messages on stderr"
        )
        parser.set_defaults(command=self)

    def gather(self, args: argparse.Namespace) -> Inputs:
        """The inputs that the flags over a config file (or a resumed run's stored config)
        over the defaults describe, every value checked."""
        flags = _given(RunOptions, args, self.run_options)
        run = RunOptions.from_sources((flags, "flags"))
        document, where = self._document(args, run)
        # A file's [run] table (device, threads, ...) is not part of the run's config: a
        # run resumes on another device.
        stored_run = _table(document, RunOptions.table, where)
        refused = sorted(set(stored_run) - set(self.run_options) | {"resume"} & set(stored_run))
        if refused:
            raise ConfigError(
                f"{where} [run]: {', '.join(refused)} cannot be set there; expected keys "
                f"from {', '.join(n for n in self.run_options if n != 'resume')}"
            )
        run = RunOptions.from_sources((stored_run, f"{where} [run]"), (flags, "flags"))
        known = {cls.table for cls in self.tables} | {RunOptions.table}
        known |= {"system"} if self.system else set()
        unknown = sorted(set(document) - known)
        if unknown:
            raise ConfigError(
                f"{where}: unknown tables {', '.join(unknown)}; this command reads "
                f"{', '.join(sorted(known))}"
            )
        tables: dict[str, Options] = {}
        for cls in self.tables:
            stored = _table(document, cls.table, where)
            flags = cls.flag_values(args)
            sources = ((stored, f"{where} [{cls.table}]"), (flags, "flags"))
            tables[cls.table] = cls.from_sources(*sources)
        system, keys = None, set()
        if self.system:
            stored = _table(document, "system", where)
            flags = _system_flags(args)
            system = System.from_sources((stored, f"{where} [system]"), (flags, "flags"))
            keys = set(stored) | set(flags)
        return Inputs(tables, system, run, keys)

    def _document(self, args: argparse.Namespace, run: RunOptions) -> tuple[dict[str, Any], str]:
        if run.resume:
            if args.config is not None:
                raise ConfigError(
                    "--resume continues with the run's stored config; drop the config file"
                )
            from qgen.runs import RunDirectory

            assert run.out is not None  # RunOptions.check
            path = Path(run.out) / "config.toml"
            return RunDirectory(run.out, resume=True).stored_config(), str(path)
        if args.config is None:
            return {}, "command line"
        return load_toml(args.config), str(args.config)


def _all_but(cls: type[Options], name: str) -> list[str]:
    return [d.name for d in cls.declarations() if d.name != name]


def _given(cls: type[Options], args: argparse.Namespace, names: Sequence[str]) -> dict[str, Any]:
    return {name: value for name, value in cls.flag_values(args).items() if name in names}


def _table(document: Mapping[str, Any], name: str, where: str) -> dict[str, Any]:
    table = document.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected [{name}] to be a table, got {table!r}")
    return table


def _add_system_arguments(parser: argparse.ArgumentParser, groups: dict[str | None, Any]) -> None:
    """The ``[system]`` flags: the fixed keys, and a ``--NAME`` per parameter of the
    registered Hamiltonians (a Hamiltonian registered from Python gets its flags too)."""
    group = SystemOptions.add_arguments(parser, (), groups)["system"]
    for name, users in coupling_parameters().items():
        defaults = ", ".join(f"{p.default:g} ({hamiltonian})" for hamiltonian, p in users)
        group.add_argument(
            f"--{name}",
            dest=f"coupling_{name}",
            metavar=name,
            default=argparse.SUPPRESS,
            help=f"{users[0][1].help} (default: {defaults})",
        )


def _system_flags(args: argparse.Namespace) -> dict[str, Any]:
    flags = SystemOptions.flag_values(args)
    for name in coupling_parameters():
        value = getattr(args, f"coupling_{name}", None)
        if value is not None:
            try:
                flags[name] = float(value)
            except ValueError:
                raise ConfigError(f"--{name}: expected a finite number, got {value!r}") from None
    return flags


def print_json(result: dict[str, Any]) -> None:
    """A report for people that is the JSON object itself, indented."""
    from qgen.runs import to_json

    print(to_json(result, indent=2))


def workflow_handler(
    table: str,
    run: Callable[..., dict[str, Any]],
    name: Callable[[Any], str],
) -> Callable[[Inputs], dict[str, Any]]:
    """The handler of a command whose options are one table: ``run(options, out, ...)``
    in ``--out`` or in ``runs/<name(options)>-<date-time>``."""

    def handle(inputs: Inputs) -> dict[str, Any]:
        options, settings = inputs.tables[table], inputs.run
        return run(
            options,
            settings.out or default_run_directory(name(options)),
            resume=settings.resume,
            progress=settings.progress,
            plots=settings.plots,
            log=inputs.log,
        )

    return handle
