"""Start processes with torchrun for the multi-process tests (gloo on 127.0.0.1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

WORKER = Path(__file__).parent / "distributed" / "worker.py"


def torchrun(arguments: list[str], tmp_path: Path, processes: int = 2, timeout: float = 240):
    """``torchrun --standalone --nproc-per-node P ARGUMENTS`` on one thread per process."""
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    environment.pop("WORLD_SIZE", None)
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               f"--nproc-per-node={processes}", *arguments]  # fmt: skip
    return subprocess.run(
        command, capture_output=True, text=True, env=environment, timeout=timeout, cwd=tmp_path
    )
