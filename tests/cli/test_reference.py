"""The reference page of every command comes from its declared options: each flag, key,
default and help line is on it, and its config file of the defaults reads back as no file."""

from __future__ import annotations

import re

import pytest

from qgen.cli.main import build_parser
from qgen.cli.reference import command_help, command_markdown, commands, example_config
from qgen.system import coupling_parameters
from qgen.workflow import RunOptions

COMMANDS = commands()


def test_every_command_of_the_parser_has_a_page():
    parser_help = build_parser().format_help()
    names = [command.name for command in COMMANDS]
    assert names == sorted(names)
    assert len(names) == len(set(names)) >= 6
    for name in names:
        assert name in parser_help


@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
def test_the_page_lists_every_declared_option(command):
    page = command_markdown(command)
    assert page.startswith(f"# qgen {command.name}\n")
    declarations = [d for cls in command.tables for d in cls.declarations()]
    declarations += [d for d in RunOptions.declarations() if d.name in command.run_options]
    for declaration in declarations:
        if declaration.spec.positional:
            assert f"`{declaration.name.upper()}`" in page
        else:
            assert f"`{declaration.flags[0]}`" in page, declaration.key
            assert f"`{declaration.name}`" in page or declaration.name == "resume"
        words = re.sub(r"\\(.)", r"\1", page).replace("&lt;", "<").replace("&gt;", ">")
        assert declaration.spec.help in words, declaration.key
    tables = {cls.table for cls in command.tables} | ({"run"} if command.run_options else set())
    tables |= {"system"} if command.system else set()
    for table in tables:
        assert f"## `[{table}]`" in page
    if command.system:
        for name in coupling_parameters():
            assert f"`--{name}`" in page
    assert command_help(command).rstrip() in page


@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
def test_the_config_of_the_defaults_reads_as_no_config(tmp_path, command):
    """The TOML block of a page is a config file the command accepts, and it changes
    nothing (a command whose defaults cannot run, such as `data` without --samples, fails
    with the same message either way)."""
    path = tmp_path / "config.toml"
    path.write_text(example_config(command))
    positional = [
        str(d.default) for cls in command.tables for d in cls.declarations() if d.spec.positional
    ]

    def gather(*words: str) -> object:
        args = build_parser().parse_args([command.name, *positional, *words])
        try:
            inputs = command.gather(args)
        except Exception as error:
            return f"{type(error).__name__}: {error}"
        return inputs.tables, inputs.system, inputs.run

    assert gather(str(path)) == gather()
    assert example_config(command) in command_markdown(command)
