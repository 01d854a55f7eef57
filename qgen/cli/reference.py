"""A command's reference page in Markdown, written from its declared options.

The documentation site (``mkdocs build``) calls :func:`command_markdown` for every
command of :func:`commands`, so that each page lists what ``--help`` lists and what a
config file may hold — names, flags, TOML tables, accepted values, defaults and help — from
the one declaration (:mod:`qgen.options`), never copied by hand.

Example:
    >>> from qgen.cli.reference import command_markdown, commands
    >>> page = command_markdown(next(c for c in commands() if c.name == "ed"))
    >>> page.splitlines()[0]
    '# qgen ed'
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from collections.abc import Iterable, Sequence
from typing import Any

from qgen.cli.command import Command
from qgen.options import NONE, Declaration, Options
from qgen.system import HAMILTONIANS, SystemOptions, coupling_parameters
from qgen.workflow import RunOptions

__all__ = ["command_help", "command_markdown", "commands", "example_config"]

_WIDTH = 88
"""Columns of the ``--help`` text on a page (argparse would follow the terminal)."""


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["formatter_class"] = lambda prog: argparse.HelpFormatter(prog, width=_WIDTH)
        super().__init__(*args, **kwargs)


def commands() -> list[Command]:
    """Every ``qgen`` command (the ``COMMAND`` of each module of :mod:`qgen.cli`), by name."""
    import qgen.cli

    found = []
    for module in pkgutil.iter_modules(qgen.cli.__path__):
        command = getattr(importlib.import_module(f"qgen.cli.{module.name}"), "COMMAND", None)
        if isinstance(command, Command):
            found.append(command)
    return sorted(found, key=lambda command: command.name)


def command_help(command: Command) -> str:
    """What ``qgen NAME --help`` prints, wrapped at a fixed width."""
    parser = _Parser(prog="qgen")
    subparsers = parser.add_subparsers(parser_class=_Parser)
    command.add_parser(subparsers)
    return str(subparsers.choices[command.name].format_help())


def command_markdown(command: Command) -> str:
    """The reference page of ``command``: its description, a table per TOML table of its
    options (flags, key, accepted values, default, help), a config file of the defaults,
    and its ``--help``."""
    name = command.name
    lines = [f"# qgen {name}", "", _escape(command.description), ""]
    lines += [
        "Every option is a flag and a key of the TOML table it belongs to: "
        f"`{_invocation(command)}` reads the tables of a file, and flags given beside it "
        "override the file (defaults < file < flags).",
        "",
    ]
    positional = [d for cls in command.tables for d in cls.declarations() if d.spec.positional]
    lines += ["## Arguments", "", "| argument | value | default | meaning |", "|---|---|---|---|"]
    for declaration in positional:
        lines.append(
            f"| `{declaration.name.upper()}` | {_escape(declaration.what())} "
            f"| {_default(declaration)} | {_meaning(declaration)} |"
        )
    lines += ["| `CONFIG` | a TOML file | none | the tables below, as a file; flags override it |"]
    lines.append("")
    if command.system:
        lines += _table_section(SystemOptions, SystemOptions.declarations())
        lines += _couplings_section()
    for cls in command.tables:
        declarations = [d for d in cls.declarations() if not d.spec.positional]
        lines += _table_section(cls, declarations)
    run = [d for d in RunOptions.declarations() if d.name in command.run_options]
    lines += _table_section(
        RunOptions,
        run,
        intro=(
            "How the command runs rather than what it computes: not part of the run's "
            "stored config, so a run resumes with other values of these. "
            + ("`resume` is a flag only. " if "resume" in command.run_options else "")
        ),
    )
    lines += [
        "## A config file of the defaults",
        "",
        f"Every key at its default: `{_invocation(command)}` with this file runs as "
        f"`qgen {name}` does.",
        "",
        "```toml",
        example_config(command).rstrip("\n"),
        "```",
        "",
        f"## `qgen {name} --help`",
        "",
        "```text",
        command_help(command).rstrip("\n"),
        "```",
        "",
    ]
    return "\n".join(lines)


def example_config(command: Command) -> str:
    """A TOML file that sets every option of ``command`` to its default (the ``[system]``
    couplings those of the default Hamiltonian)."""
    tables: list[tuple[str, Sequence[Declaration], dict[str, float]]] = []
    if command.system:
        hamiltonian = SystemOptions.declaration("hamiltonian").default
        couplings = {p.name: p.default for p in HAMILTONIANS[hamiltonian].parameters}
        tables.append(("system", SystemOptions.declarations(), couplings))
    for cls in command.tables:
        tables.append((cls.table, cls.declarations(), {}))
    run = [d for d in RunOptions.declarations() if d.name in command.run_options]
    tables.append((RunOptions.table, [d for d in run if d.name != "resume"], {}))
    lines: list[str] = []
    for table, declarations, extra in tables:
        lines += [f"[{table}]"]
        for declaration in declarations:
            lines.append(f"{declaration.name} = {_toml(declaration.default)}")
        lines += [f"{key} = {_toml(value)}" for key, value in extra.items()]
        lines.append("")
    return "\n".join(lines)


def _invocation(command: Command) -> str:
    """``qgen NAME [POSITIONAL...] config.toml``, the positionals at their defaults."""
    words = ["qgen", command.name]
    for cls in command.tables:
        for declaration in cls.declarations():
            if declaration.spec.positional:
                default = declaration.default
                words.append(declaration.name.upper() if default is None else str(default))
    return " ".join([*words, "config.toml"])


def _table_section(
    cls: type[Options], declarations: Iterable[Declaration], intro: str = ""
) -> list[str]:
    declarations = list(declarations)
    if not declarations:
        return []
    lines = [f"## `[{cls.table}]`", ""]
    if intro:
        lines += [intro.strip(), ""]
    groups: dict[str, list[Declaration]] = {}
    for declaration in declarations:
        groups.setdefault(declaration.spec.group or cls.table, []).append(declaration)
    for group, members in groups.items():
        if len(groups) > 1 and group != cls.table:
            lines += [f"### {_escape(group)}", ""]
        lines += ["| flag | key | value | default | meaning |", "|---|---|---|---|---|"]
        for declaration in members:
            key = "—" if declaration.name == "resume" else f"`{declaration.name}`"
            lines.append(
                f"| {_flags(declaration)} | {key} | {_escape(declaration.what())} "
                f"| {_default(declaration)} | {_meaning(declaration)} |"
            )
        lines.append("")
    return lines


def _couplings_section() -> list[str]:
    lines = [
        "### Couplings",
        "",
        "Each registered Hamiltonian's own parameters, as `--NAME` flags and `[system]` keys; "
        "a parameter that the chosen Hamiltonian does not take is refused. Instead of a "
        'registered name, `hamiltonian = "terms"` takes the Hamiltonian from the '
        "`[[system.terms]]` tables of a file (TOML only).",
        "",
        "| flag | key | default | meaning |",
        "|---|---|---|---|",
    ]
    for name, users in coupling_parameters().items():
        defaults = ", ".join(f"{p.default:g} ({hamiltonian})" for hamiltonian, p in users)
        meaning = _escape(users[0][1].help)
        lines.append(f"| `--{name}` | `{name}` | {_escape(defaults)} | {meaning} |")
    return [*lines, ""]


def _flags(declaration: Declaration) -> str:
    flags = list(declaration.flags)
    if declaration.kind is bool and declaration.spec.negatable:
        flags += ["--no-" + flag[2:] for flag in declaration.flags]
    words = ", ".join(f"`{flag}`" for flag in flags)
    for flag, constant in declaration.spec.constants.items():
        words += f"; `{flag}` for {_escape(NONE if constant is None else str(constant))}"
    return words


def _default(declaration: Declaration) -> str:
    if declaration.spec.default_help is not None:
        return _escape(declaration.spec.default_help)
    return f"`{declaration.default_text()}`"


def _meaning(declaration: Declaration) -> str:
    unit = f", in {declaration.spec.unit}" if declaration.spec.unit else ""
    return _escape(declaration.spec.help + unit)


def _toml(value: Any) -> str:
    if value is None:
        return f'"{NONE}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "\\|"}
_ESCAPES.update({c: "\\" + c for c in "\\`*_[]"})


def _escape(text: str) -> str:
    """``text`` as Markdown that shows it as it is (in a table cell, too)."""
    return "".join(_ESCAPES.get(character, character) for character in text)
