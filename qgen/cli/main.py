"""Entry point of the ``qgen`` command."""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from qgen._version import __version__
from qgen.cli import CATALOG
from qgen.errors import ConfigError, QgenError

__all__ = ["build_parser", "main"]


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad command line as one line, as qgen reports bad input."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _command(name: str) -> Any:
    """The :class:`~qgen.cli.command.Command` named ``name`` (imports its module)."""
    return importlib.import_module(f"qgen.cli.{name}").COMMAND


def _commands() -> list:
    return [_command(name) for name in CATALOG]


def build_parser(only: str | None = None, *, all_commands: bool = True) -> argparse.ArgumentParser:
    """The argument parser of ``qgen``: every subcommand with its options, or (with
    ``all_commands=False``) only ``only``'s, the others by name and help alone, which
    imports no other command's module (``qgen --help`` imports none, nor torch)."""
    parser = _Parser(prog="qgen", description="Generative models for quantum many-body physics.")
    parser.add_argument("--version", action="version", version=f"qgen {__version__}")
    subparsers = parser.add_subparsers(
        dest="name", metavar="COMMAND", required=True, parser_class=_Parser
    )
    for name, help in CATALOG.items():
        if all_commands or name == only:
            _command(name).add_parser(subparsers)
        else:
            subparsers.add_parser(name, help=help, add_help=False)
    return parser


def _named_command(arguments: Sequence[str]) -> str | None:
    """The subcommand a command line names: its first word that is not a flag."""
    return next((word for word in arguments if not word.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``qgen``; user errors print one line on stderr and return exit code 2."""
    arguments = sys.argv[1:] if argv is None else list(argv)
    if arguments == ["--version"]:  # before the subcommands (and torch) are imported
        print(f"qgen {__version__}")
        return 0
    args = build_parser(_named_command(arguments), all_commands=False).parse_args(arguments)
    from qgen.report import json_report
    from qgen.runs import to_json

    command = args.command
    where = ""  # "(rank r of P)" in a multi-process run
    try:
        import torch

        from qgen.distributed import initialize, launched_by_torchrun, shutdown
        from qgen.log import set_verbosity
        from qgen.workflow import log_nothing

        set_verbosity(args.quiet, args.verbose)
        inputs = command.gather(args)
        if args.quiet and inputs.run.progress is None:
            inputs.run = dataclasses.replace(inputs.run, progress=False)
        threads = inputs.run.threads or command.default_threads
        if threads is not None:
            torch.set_num_threads(threads)
        if launched_by_torchrun() and not command.processes:
            raise ConfigError(
                f"qgen {command.name} runs as one process; start it without torchrun "
                "(vmc and tomo run as several)"
            )
        ranks, inputs.device = initialize(inputs.run.device)
        if inputs.device.type != "cpu" and not command.gpu:
            if inputs.run.device.strip().lower() != "auto":
                inputs.log(
                    f"qgen {command.name}: runs on the CPU{command.cpu_reason}; --device "
                    f"{inputs.run.device} is not used"
                )
            inputs.device = torch.device("cpu")
        if ranks.distributed:
            where = f" (rank {ranks.rank} of {ranks.world_size})"
            if not ranks.is_main:  # rank 0 speaks for the run
                inputs.log = log_nothing
        try:
            result = command.handler(inputs)
        finally:
            shutdown()
    except QgenError as error:
        print(f"qgen {command.name}: error{where}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"qgen {command.name}: interrupted", file=sys.stderr)
        return 130
    except (MemoryError, RuntimeError) as error:
        # The last defence: the memory estimates refuse most jobs that cannot fit before
        # they start; an allocation that fails anyway (torch's allocator raises a
        # RuntimeError) is one line, not a traceback. Other RuntimeErrors are bugs.
        if not isinstance(error, MemoryError) and "allocate memory" not in str(error):
            raise
        what = str(error).split("you tried to allocate")[-1].split(".")[0].strip()
        print(
            f"qgen {command.name}: error{where}: out of memory"
            + (f" (an allocation of {what})" if what and what != str(error) else "")
            + ": use fewer samples or a smaller model",
            file=sys.stderr,
        )
        return 2
    if not ranks.is_main:
        return 0
    try:
        if inputs.run.json:
            print(to_json(json_report(result)))
        else:
            command.report(result)
        sys.stdout.flush()
    except BrokenPipeError:  # `qgen ... | head`: the reader left; the run is saved
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - no flush error at exit
    return 0


if __name__ == "__main__":
    sys.exit(main())
