"""Mixed-state tomography of a noisy 3-qubit GHZ state from Pauli-basis shots.

27 Pauli settings x 100 shots of GHZ with local depolarizing noise p = 0.05. Linear
inversion, maximum likelihood and a Transformer over Pauli-6 outcomes reconstruct the
density matrix; each is compared with the true one (fidelity after the projection onto
density matrices; Smolin, Gambetta, Smith, PRL 108, 070502 (2012)).

    python examples/mixed_tomography_ghz3.py      # about 20 s
"""

import numpy as np
import torch

from qgen.exact import (
    POVMS,
    apply_local_channel,
    closest_physical,
    density_matrix,
    quantum_fidelity,
    sample_settings,
)
from qgen.exact.density import depolarizing, min_eigenvalue
from qgen.exact.named_states import ghz_state
from qgen.tomography.baselines import linear_inversion, maximum_likelihood
from qgen.tomography.measurements import MeasurementData
from qgen.tomography.povm_data import POVMData
from qgen.tomography.povm_model import POVMTrainer, build_povm_model, model_density_matrix

torch.set_num_threads(1)
rho = apply_local_channel(density_matrix(ghz_state(3)), depolarizing(0.05))
settings = np.array([list(a + b + c) for a in "XYZ" for b in "XYZ" for c in "XYZ"])
bases = np.repeat(settings, 100, axis=0)
record = MeasurementData(sample_settings(rho, bases, seed=0), bases)
data = POVMData.from_measurements(record, rho)

linear = linear_inversion(data).rho
likelihood = maximum_likelihood(data).rho
model = build_povm_model("transformer", 3, "pauli6", seed=0)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
POVMTrainer(model, data, None, optimizer, batch_size=100).run(100, progress=False)
learned = model_density_matrix(model, POVMS["pauli6"])

for name, estimate in (
    ("linear inversion", linear),
    ("maximum likelihood", likelihood),
    ("transformer", learned),
):
    print(
        f"{name:18s}  min eigenvalue {min_eigenvalue(estimate):+.3f}   "
        f"fidelity (physical) {quantum_fidelity(closest_physical(estimate), rho):.4f}"
    )
