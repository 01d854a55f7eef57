"""Messages go through stdlib logging (the "qgen" logger): -q leaves warnings and errors,
-v adds debug records, and the default prints the progress lines on stderr."""

from __future__ import annotations

import logging

import pytest

from qgen.cli.main import main
from qgen.log import LOGGER

VMC = ["vmc", "--size", "4", "--hidden", "4", "--samples", "32", "--iterations", "1",
       "--final-samples", "64", "--no-plots"]  # fmt: skip


@pytest.fixture(autouse=True)
def _default_level():
    yield
    LOGGER.setLevel(logging.INFO)  # main sets it for the process


def test_the_default_prints_progress_lines(capsys):
    assert main(["ed", "--size", "4"]) == 0
    assert "qgen ed: " in capsys.readouterr().err


def test_quiet_prints_nothing_but_the_result(capsys):
    assert main(["ed", "--size", "4", "-q"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert "E0 = " in captured.out


def test_quiet_keeps_the_error_line(capsys):
    assert main(["ed", "--size", "0", "-q"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_verbose_adds_the_resolved_options(capsys, tmp_path):
    assert main([*VMC, "--out", str(tmp_path / "r"), "-v"]) == 0
    assert "qgen vmc: options {" in capsys.readouterr().err


def test_quiet_and_verbose_exclude_each_other(capsys):
    with pytest.raises(SystemExit):
        main(["ed", "-q", "-v"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_a_library_user_can_route_messages_through_their_own_handlers(caplog):
    from qgen.log import log_to_stderr

    LOGGER.propagate = True
    try:
        with caplog.at_level(logging.INFO, logger="qgen"):
            log_to_stderr("qgen test: routed")
    finally:
        LOGGER.propagate = False
    assert "qgen test: routed" in caplog.messages
