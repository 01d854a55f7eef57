"""``--help`` of every command lists every declared option with its default, from the one
declaration (qgen.options), and bad flags get the same one-line errors everywhere."""

from __future__ import annotations

import re

import pytest

from qgen.cli.main import _commands, build_parser, main
from qgen.system import coupling_parameters
from qgen.workflow import RunOptions

COMMANDS = _commands()


def help_text(capsys, name: str) -> str:
    with pytest.raises(SystemExit):
        build_parser().parse_args([name, "--help"])
    return re.sub(r"\s+", "", capsys.readouterr().out)  # argparse wraps lines, at hyphens too


@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
def test_help_shows_every_declared_option_with_its_default(capsys, command):
    text = help_text(capsys, command.name)
    declarations = [d for cls in command.tables for d in cls.declarations()]
    declarations += [d for d in RunOptions.declarations() if d.name in command.run_options]
    for declaration in declarations:
        words = re.sub(r"\s+", "", declaration.help_text().replace("%%", "%"))
        assert words in text, f"{command.name}: {declaration.key}"
        if not declaration.spec.positional:
            assert declaration.flags[0] in text
    if command.system:
        for name in coupling_parameters():
            assert f"--{name}" in text


@pytest.mark.parametrize("command", COMMANDS, ids=[c.name for c in COMMANDS])
def test_an_unknown_flag_is_one_line(capsys, command):
    with pytest.raises(SystemExit) as stop:
        main([command.name, "--no-such-flag"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "unrecognized arguments: --no-such-flag" in err


@pytest.mark.parametrize("arguments", [["--version"], ["--help"]])
def test_version_and_help_import_no_command_nor_torch(arguments):
    """`qgen --version` and `qgen --help` answer before any subcommand (and torch) is
    imported: the one-line helps come from qgen.cli.CATALOG."""
    import subprocess
    import sys

    code = (
        "import sys; from qgen.cli.main import main\n"
        f"try: main({arguments!r})\n"
        "except SystemExit: pass\n"
        "from qgen.cli import CATALOG\n"
        "print('torch' in sys.modules, any(f'qgen.cli.{c}' in sys.modules for c in CATALOG))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["False", "False"]


def test_the_common_objects_are_importable_from_qgen_itself():
    import qgen

    assert set(qgen.__all__) == {"QgenError", "__version__", *qgen._LAZY}
    for name in qgen.__all__:
        assert getattr(qgen, name) is not None, name
    from qgen import RNN, VMC, AutoregressiveSampler, Chain, heisenberg

    model = RNN(4, hidden=4)
    assert VMC is __import__("qgen.vmc", fromlist=["VMC"]).VMC
    assert heisenberg(Chain(4), sign_rule=True).is_stoquastic()
    assert AutoregressiveSampler(model) is not None
