"""Tomography of the TFIM chain from QuCumber's tutorial 1 data, checked against the exact state.

10,000 z-basis measurements of the ground state of the transverse-field Ising chain (N=10,
open, h=1) train a positive RBM wave function ψ = exp(−F_λ/2) by the exact negative
log-likelihood gradient (log Z by enumeration). Then ⟨σˣ⟩ — never measured — and the
Rényi-2 entropies of the first ℓ sites come from samples of the model, each beside the
exact value.

    python examples/tomography_tfim.py        # about 20 s on 2 CPU cores
"""

from __future__ import annotations

import torch

from qgen.datasets import qucumber_tutorial
from qgen.models.amplitude_phase_rbm import AmplitudePhaseRBM
from qgen.tomography import fidelity, load_measurements, magnetization, renyi2_curve
from qgen.tomography.estimators import exact_values
from qgen.tomography.training import TomographyTrainer

torch.set_num_threads(1)
folder = qucumber_tutorial(1)
data = load_measurements(
    folder / "tfim1d_data.txt", psi=folder / "tfim1d_psi.txt", format="qucumber"
)
train, validation = data.split(0.1, seed=0)

torch.manual_seed(0)
model = AmplitudePhaseRBM(data.n_sites, n_hidden=10)
optimizer = torch.optim.Adam(model.parameters(), lr=2e-2)
epochs = 30
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs, eta_min=4e-4)
trainer = TomographyTrainer(
    model,
    train,
    validation,
    optimizer,
    batch_size=100,
    scheduler=scheduler,
    target_psi=data.psi,
    fidelity_every=5,
)
trainer.run(epochs)

exact = exact_values(data.psi)
samples = model.sample(20_000, torch.Generator().manual_seed(1), n_steps=100)
with torch.no_grad():
    sx = magnetization(model, samples, "X")
    curve = renyi2_curve(model, samples)
print(f"fidelity  {fidelity(model, data.psi).mean:.5f}")
print(f"<σx>      {sx.mean:.4f} ± {sx.error:.4f}   exact {exact['sx']:.4f}")
for size, s2 in curve.items():
    print(f"S2(ℓ={size})   {s2.mean:.4f} ± {s2.error:.4f}   exact {exact['renyi2'][size]:.4f}")
