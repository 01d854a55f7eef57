"""Transformer sampling with the key/value cache against recomputing the full pass per token.

N = 64 sites (``--sites``), a 2-layer, width-32 Transformer, 1,024 samples; both paths
draw the same samples from the same generator (checked), so only the work differs. One
JSON line with the median seconds of each and their ratio.

    python benchmarks/transformer_sampling.py
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch

from qgen.models import Transformer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=64)
    parser.add_argument("--samples", type=int, default=1024)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = Transformer(args.sites, width=args.width, layers=args.layers, heads=4)
    timings: dict[str, list[float]] = {"cached": [], "recomputed": []}
    draws = {}
    for _ in range(args.repeat):
        for name, incremental in (("cached", True), ("recomputed", False)):
            generator = torch.Generator().manual_seed(1)
            start = time.perf_counter()
            draws[name] = model.sample(args.samples, generator, incremental=incremental)
            timings[name].append(time.perf_counter() - start)
    cached = statistics.median(timings["cached"])
    recomputed = statistics.median(timings["recomputed"])
    print(
        json.dumps(
            {
                "sites": args.sites,
                "samples": args.samples,
                "n_parameters": model.n_parameters(),
                "cached_s": round(cached, 4),
                "recomputed_s": round(recomputed, 4),
                "speedup": round(recomputed / cached, 2),
                "same_samples": bool(torch.equal(draws["cached"], draws["recomputed"])),
                "threads": torch.get_num_threads(),
                "date": time.strftime("%Y-%m-%d"),
            }
        )
    )


if __name__ == "__main__":
    main()
