"""A Bernoulli RBM learns the 8×8 Ising model at T = 3 from Monte Carlo samples; its NLL
comes from an AIS estimate of log Z, and its samples' energy and magnetization histograms
are compared with the data's.

Run: python examples/ebm_ising.py [--temperature 3.0] [--epochs 30] [--out runs/ebm-ising]

The run directory holds config.toml, log.jsonl, checkpoint.pt, summary.json and the plots
histograms.png (model samples against Monte Carlo data, with the data's error bars) and
nll.png (held-out and training NLL per epoch).
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import torch

from qgen.ebm import EBMOptions, run_ebm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--temperature", type=float, default=3.0)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--out", default="runs/ebm-ising")
    args = parser.parse_args()
    torch.set_num_threads(1)  # small models: one thread is fastest
    shutil.rmtree(args.out, ignore_errors=True)

    experiment = EBMOptions(
        size="8x8",
        temperature=args.temperature,
        samples=10_000,
        hidden=64,
        method="pcd",
        cd_k=1,
        epochs=args.epochs,
        model_samples=4_000,
        gibbs_steps=500,
    )
    summary = run_ebm(experiment, args.out, progress=True)

    nll, log_z = summary["test_nll"], summary["log_partition"]
    print(f"log Z ({log_z['method']})  {log_z['value']:.3f} ± {log_z['error']:.3f}")
    print(f"held-out NLL    {nll['value']:.3f} ± {nll['error']:.3f} nats per configuration")
    entropy = summary["exact_entropy"]["value"]
    print(f"exact entropy   {entropy:.3f} (Kaufman), so KL(data || RBM) ≈ {nll['kl_to_model']:.3f}")
    ising = summary["ising"]
    for name in ("energy_per_site", "abs_magnetization"):
        data, model = ising["data"][name], ising["model"][name]
        print(
            f"{name:18s} data {data['value']:.4f} ± {data['error']:.4f}   "
            f"RBM {model['value']:.4f} ± {model['error']:.4f}"
        )
    for name, h in ising["histograms"].items():
        print(
            f"{name:18s} histogram TV {h['tv']:.3f} (noise level {h['tv_noise']:.3f}), "
            f"chi2 {h['chi2']:.1f} over {h['chi2_bins']} bins"
        )
    plots = sorted(path.name for path in Path(args.out).glob("*.png"))
    print(f"plots in {args.out}/: {', '.join(plots)} (and PDF)")


if __name__ == "__main__":
    main()
