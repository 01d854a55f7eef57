"""``--device`` and ``[run] device``: resolved or refused in one line; commands that run
on the CPU say so; a command that runs as one process refuses torchrun's environment."""

from __future__ import annotations

import json

import pytest
import torch

from qgen.cli.main import main
from qgen.distributed import resolve_device
from qgen.errors import ConfigError

needs_no_gpu = pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present")


@needs_no_gpu
def test_cuda_without_a_gpu_is_one_line(capsys):
    assert main(["vmc", "--size", "4", "--iterations", "1", "--device", "cuda"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "--device cuda: no CUDA device is present" in err[0]


@needs_no_gpu
def test_auto_is_the_cpu_without_a_gpu():
    assert resolve_device("auto") == torch.device("cpu")


@pytest.mark.parametrize("spec", ["gpu", "cuda:x", "tpu"])
def test_a_device_that_is_no_device_is_refused(spec, capsys):
    assert main(["vmc", "--size", "4", "--iterations", "1", "--device", spec]) == 2
    assert "--device: expected auto, cpu, cuda or cuda:N" in capsys.readouterr().err
    with pytest.raises(ConfigError):
        resolve_device(spec)


def test_the_device_in_a_toml_run_table_is_not_part_of_the_config(tmp_path, capsys):
    config = tmp_path / "run.toml"
    config.write_text('[system]\nsize = 4\n[vmc]\niterations = 2\n[run]\ndevice = "cpu"\n')
    out = tmp_path / "run"
    assert main(["vmc", str(config), "--out", str(out), "--json", "--no-plots"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["device"] == "cpu"
    assert summary["world_size"] == 1
    assert "[run]" not in (out / "config.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text("[run]\nresume = true\n")
    assert main(["vmc", str(bad)]) == 2
    assert "[run]: resume cannot be set there" in capsys.readouterr().err


@needs_no_gpu
def test_ed_runs_on_the_cpu_and_says_so(capsys):
    assert main(["ed", "--size", "6", "--device", "cuda"]) == 2  # no GPU: refused first
    assert main(["ed", "--size", "6", "--device", "cpu", "--json"]) == 0


def test_a_one_process_command_refuses_torchrun(monkeypatch, capsys):
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert main(["ed", "--size", "6"]) == 2
    assert "qgen ed runs as one process; start it without torchrun" in capsys.readouterr().err
