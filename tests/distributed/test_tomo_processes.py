"""``torchrun --nproc-per-node 2 -m qgen tomo`` (gloo): data-parallel training walks
the batches of one process with exact gradients, so the two runs agree up to float32
rounding; mixed-state tomography refuses to run as several processes."""

from __future__ import annotations

import json
import subprocess
import sys

from torchrun_helpers import torchrun


def test_two_processes_train_as_one_does(tmp_path):
    make = [sys.executable, "-m", "qgen", "data", "--state", "w", "--size", "4",
            "--samples", "300", "--bases", "ZZZZ,XXZZ", "--out", "data"]  # fmt: skip
    assert subprocess.run(make, cwd=tmp_path, capture_output=True, timeout=120).returncode == 0
    arguments = ["-m", "qgen", "tomo", "--data", "data", "--model", "rnn", "--epochs", "10",
                 "--no-plots", "--json"]  # fmt: skip
    one = subprocess.run(
        [sys.executable, *arguments, "--out", "one", "--threads", "1"],
        cwd=tmp_path, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    two = torchrun([*arguments, "--out", "two"], tmp_path)
    assert one.returncode == 0, one.stderr[-2000:]
    assert two.returncode == 0, two.stderr[-2000:]
    alone, together = json.loads(one.stdout), json.loads(two.stdout)
    assert together["world_size"] == 2
    assert abs(alone["train_nll"] - together["train_nll"]) < 1e-4
    assert abs(alone["fidelity"]["value"] - together["fidelity"]["value"]) < 1e-4


def test_mixed_tomography_refuses_several_processes(tmp_path):
    done = torchrun(["-m", "qgen", "tomo", "--mixed", "--data", "nowhere"], tmp_path)
    assert done.returncode != 0
    assert "qgen tomo --mixed runs as one process" in done.stderr
