"""Run directories: atomic writes, logs that survive a torn line, resume checks."""

from __future__ import annotations

import json
import tomllib

import pytest
import torch

from qgen.errors import RunDirectoryError
from qgen.plotting import series_plot
from qgen.runs import RunDirectory, atomic_write_text, to_json, to_toml


def test_toml_round_trip() -> None:
    tables = {
        "system": {"size": 16, "J": 1.0, "lattice": "chain", "obc": False},
        "vmc": {"lr": 1e-3, "bases": ["X", "Z"], "skip": None},
    }
    parsed = tomllib.loads(to_toml(tables))
    assert parsed["system"] == tables["system"]
    assert parsed["vmc"] == {"lr": 1e-3, "bases": ["X", "Z"], "skip": "none"}  # TOML has no null


def test_json_writes_nan_as_null() -> None:
    assert json.loads(to_json({"a": float("nan"), "b": torch.tensor(2.5)})) == {"a": None, "b": 2.5}


def test_fresh_run_refuses_an_existing_run(tmp_path) -> None:
    run = RunDirectory(tmp_path / "r")
    run.append_log({"iteration": 0})
    with pytest.raises(RunDirectoryError, match="already holds a run"):
        RunDirectory(tmp_path / "r")


def test_resume_needs_a_checkpoint(tmp_path) -> None:
    with pytest.raises(RunDirectoryError, match="expected a checkpoint"):
        RunDirectory(tmp_path / "none", resume=True)


def test_checkpoint_round_trip_and_config_mismatch(tmp_path) -> None:
    run = RunDirectory(tmp_path / "r")
    run.write_config({"vmc": {"lr": 0.01, "iterations": 10}})
    run.save_checkpoint({"step": 3, "w": torch.ones(2)})
    resumed = RunDirectory(tmp_path / "r", resume=True)
    state = resumed.load_checkpoint()
    assert state["step"] == 3
    assert torch.equal(state["w"], torch.ones(2))
    longer = {"vmc": {"lr": 0.01, "iterations": 50}}
    resumed.write_config(longer, resumable=["vmc.iterations"])  # more iterations is fine
    with pytest.raises(RunDirectoryError, match=r"vmc.iterations: stored 50, asked 70"):
        resumed.check_config({"vmc": {"lr": 0.01, "iterations": 70}})
    with pytest.raises(RunDirectoryError, match=r"vmc.lr: stored 0.01, asked 0.02"):
        resumed.write_config({"vmc": {"lr": 0.02, "iterations": 50}}, ["vmc.iterations"])


def test_torn_log_line_is_skipped_and_truncation_keeps_records(tmp_path) -> None:
    run = RunDirectory(tmp_path / "r")
    for step in range(4):
        run.append_log({"iteration": step})
    with run.log_path.open("a") as stream:
        stream.write('{"iteration": 4, "ener')
    assert [r["iteration"] for r in run.read_log()] == [0, 1, 2, 3]
    run.truncate_log(lambda record: record["iteration"] < 2)
    assert [r["iteration"] for r in run.read_log()] == [0, 1]


def test_atomic_write_leaves_no_temporary_files(tmp_path) -> None:
    atomic_write_text(tmp_path / "a.txt", "hello")
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_series_plot_writes_a_png(tmp_path) -> None:
    path = tmp_path / "energy.png"
    series_plot(
        path,
        [0, 1, 2],
        {"E": [1.0, None, 0.5]},
        "iteration",
        "energy",
        errors={"E": [0.1, None, 0.1]},
        hlines={"exact": 0.4},
    )
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_run_directory_that_cannot_be_made_is_one_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(
        RunDirectoryError, match=r"cannot create the run directory .*: Not a directory"
    ):
        RunDirectory(blocker / "run")


def test_a_directory_in_use_is_refused_to_a_second_run(tmp_path):
    """Two runs into one directory (or a resume while the first runs) would interleave
    their logs and checkpoints: the second is refused while the first holds it."""
    first = RunDirectory(tmp_path / "run")
    second = RunDirectory(tmp_path / "run")
    with (
        first.held(),
        pytest.raises(RunDirectoryError, match=r"is in use by a running qgen process \(pid \d+\)"),
    ):
        second.lock()
    with second.held():  # released: free again
        pass


def test_a_second_process_is_refused_while_a_run_holds_its_directory(tmp_path):
    import subprocess
    import sys

    held = RunDirectory(tmp_path / "run")
    with held.held():
        result = subprocess.run(
            [sys.executable, "-m", "qgen", "vmc", "--size", "4", "--iterations", "1",
             "--out", str(tmp_path / "run")],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert result.returncode == 2
    assert "is in use by a running qgen process" in result.stderr


def test_run_files_are_readable_as_plain_open_would_make_them(tmp_path):
    """mkstemp creates 0600 files; collaborators must be able to read a run."""
    import os

    umask = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "file.txt", "x")
    finally:
        os.umask(umask)
    assert (tmp_path / "file.txt").stat().st_mode & 0o777 == 0o644


def test_figures_are_written_as_png_and_pdf(tmp_path):
    series_plot(tmp_path / "curve.png", [0, 1, 2], {"a": [1.0, 2.0, 3.0]}, "x", "y")
    assert (tmp_path / "curve.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "curve.pdf").read_bytes()[:4] == b"%PDF"
