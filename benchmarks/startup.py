"""Start-up time of the ``qgen`` command: ``qgen --version`` and ``qgen --help``, each the
median of ``--repeats`` fresh interpreters (``python -m qgen``), one JSON line per
command. ``--source DIR`` times another checkout (e.g. a ``git worktree`` of an older
commit) by running from it (and putting it first on ``PYTHONPATH``), for the before/after figure.

    python benchmarks/startup.py
    git worktree add /tmp/before <commit> && python benchmarks/startup.py --source /tmp/before
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def seconds(arguments: list[str], env: dict[str, str], cwd: Path | None) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "qgen", *arguments],
        env=env,
        cwd=cwd,  # `python -m` puts the working directory first on sys.path
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--source", type=Path, help="a qgen checkout to time instead")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.source is not None:
        env["PYTHONPATH"] = str(args.source.resolve())
    from qgen.provenance import provenance

    print(json.dumps({"meta": provenance(), "source": str(args.source or "installed")}))
    for arguments in (["--version"], ["--help"]):
        seconds(arguments, env, args.source)  # one untimed run: the file-system cache
        times = [seconds(arguments, env, args.source) for _ in range(args.repeats)]
        print(
            json.dumps(
                {
                    "command": "qgen " + " ".join(arguments),
                    "median_s": statistics.median(times),
                    "min_s": min(times),
                    "max_s": max(times),
                    "repeats": args.repeats,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
