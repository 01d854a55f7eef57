"""``torchrun --nproc-per-node 2 -m qgen vmc`` (gloo on 127.0.0.1): the run, its files
and its figures against one process and ED; resume at another process count; the
refusals (ranks started differently) and a failing rank."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch
from torchrun_helpers import WORKER, torchrun

from qgen.runs import RunDirectory

SMALL = ["vmc", "--size", "8", "--samples", "513", "--final-samples", "4000",
         "--iterations", "60", "--lr", "0.1", "--no-plots"]  # fmt: skip


def qgen_json(arguments: list[str], tmp_path: Path, processes: int) -> dict:
    if processes == 1:
        done = subprocess.run(
            [sys.executable, "-m", "qgen", *arguments, "--json", "--threads", "1"],
            capture_output=True, text=True, cwd=tmp_path, timeout=240,
        )  # fmt: skip
    else:
        done = torchrun(["-m", "qgen", *arguments, "--json"], tmp_path, processes)
    assert done.returncode == 0, done.stderr[-3000:]
    return {**json.loads(done.stdout), "stderr": done.stderr}


def test_two_processes_reach_ed_as_one_does(tmp_path):
    """Both runs end within 2e-3 of ED (the accuracy one process reaches in 60 SR
    iterations here), and their energies agree within 5 joint error bars of sampling
    noise plus that tolerance: different streams, the same physics."""
    one = qgen_json([*SMALL, "--out", "one"], tmp_path, 1)
    two = qgen_json([*SMALL, "--out", "two"], tmp_path, 2)
    assert (one["world_size"], two["world_size"]) == (1, 2)
    assert two["samples_per_rank"] == 257
    assert (
        "513 samples do not divide among 2 processes: 257 per process, 514 in all"
        in (two["stderr"])
    )
    exact = one["exact_energy"]
    e1, e2 = one["energy"], two["energy"]  # {value, error}
    for energy in (e1, e2):
        assert abs(energy["value"] - exact) / abs(exact) < 2e-3
    joint = (e1["error"] ** 2 + e2["error"] ** 2) ** 0.5
    assert abs(e1["value"] - e2["value"]) < 5 * joint + 2e-3 * abs(exact)
    # Rank 0 alone wrote the run directory: one log line per iteration, one summary.
    records = RunDirectory(tmp_path / "two", resume=True).read_log()
    assert [r["iteration"] for r in records] == list(range(60))
    assert {r["n_samples"] for r in records} == {514}  # 257 on each rank
    assert json.loads((tmp_path / "two" / "summary.json").read_text())["world_size"] == 2


def test_resume_at_another_process_count(tmp_path):
    arguments = ["vmc", "--size", "8", "--samples", "256", "--iterations", "6",
                 "--checkpoint-every", "3", "--no-plots"]  # fmt: skip
    qgen_json([*arguments, "--out", "run"], tmp_path, 1)
    resumed = qgen_json(["vmc", "--resume", "--out", "run", "--iterations", "9"], tmp_path, 2)
    assert resumed["iterations"] == 9
    assert resumed["world_size"] == 2
    assert "the checkpoint was written by 1 process, this run has 2" in resumed["stderr"]
    back = qgen_json(["vmc", "--resume", "--out", "run", "--iterations", "12"], tmp_path, 1)
    assert back["iterations"] == 12
    assert "written by 2 processes, this run has 1" in back["stderr"]
    state = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=False)
    assert state["steps"] == 12
    assert state["world_size"] == 1


def test_ranks_started_with_different_options_are_refused(tmp_path):
    done = torchrun([str(WORKER), "cli", *SMALL[:5], "--iterations", "{rank}"], tmp_path)
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.startswith("qgen vmc: error")]
    assert lines, done.stderr[-2000:]
    assert (
        "different options: rank 1 differs from rank 0 in vmc.iterations: 0 on rank 0, 1"
        in (lines[0])
    )


def test_a_failing_rank_stops_the_run_and_keeps_the_last_checkpoint(tmp_path):
    arguments = ["vmc", "--size", "8", "--samples", "128", "--iterations", "20",
                 "--checkpoint-every", "4", "--no-plots", "--out", "run"]  # fmt: skip
    os.environ["QGEN_TEST_FAIL_AT"] = "6"
    try:
        done = torchrun([str(WORKER), "cli", *arguments], tmp_path)
    finally:
        del os.environ["QGEN_TEST_FAIL_AT"]
    assert done.returncode != 0
    assert "qgen vmc: error (rank 1 of 2): rank 1 fails at iteration 6" in done.stderr
    state = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=False)
    assert state["steps"] == 4  # the last checkpoint before the failure, intact
    resumed = qgen_json(["vmc", "--resume", "--out", "run", "--iterations", "8"], tmp_path, 1)
    assert resumed["iterations"] == 8
