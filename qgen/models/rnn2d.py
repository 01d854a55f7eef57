r"""Two-dimensional recurrent wave function on a square lattice.

Sites are read along a snake path (left to right on even rows, right to left on odd
rows). The hidden state of site ``(x, y)`` comes from its two neighbours already read:
the previous site of the same row and the site below it in the previous row,

.. math::  h_{x,y} = F\big(h_{x\mp1,y},\ h_{x,y-1},\ \sigma_{x\mp1,y},\ \sigma_{x,y-1}\big),

so that information reaches each site from both directions of the lattice, as in
Hibat-Allah, Ganahl, Hayward, Melko, Carrasquilla, Phys. Rev. Research 2, 023358 (2020),
Sec. III B. ``F`` is a gated cell (a GRU whose carried state is a learned mix of the two
neighbour states), as in the tensorized GRU of Hibat-Allah et al., Nat. Mach. Intell. 3,
952 (2021).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from qgen.errors import ModelError
from qgen.lattice import Lattice, Square
from qgen.models.autoregressive import AutoregressiveModel
from qgen.models.layer_jacobian import LayerwiseJacobian
from qgen.validation import require_int

__all__ = ["RNN2D"]


class _Cell2D(nn.Module):
    """GRU-style update from an input and two neighbour states (merged linearly)."""

    def __init__(self, input_size: int, hidden: int, dtype: torch.dtype) -> None:
        super().__init__()
        self.hidden = hidden
        self.input_map = nn.Linear(input_size, 3 * hidden, dtype=dtype)
        self.state_map = nn.Linear(2 * hidden, 3 * hidden, dtype=dtype)
        self.merge = nn.Linear(2 * hidden, hidden, bias=False, dtype=dtype)
        bound = 1.0 / math.sqrt(hidden)
        for parameter in self.parameters():
            nn.init.uniform_(parameter, -bound, bound)

    def forward(
        self, projected_input: torch.Tensor, h_side: torch.Tensor, h_below: torch.Tensor
    ) -> torch.Tensor:
        states = torch.cat([h_side, h_below], dim=-1)
        gi_r, gi_z, gi_n = projected_input.chunk(3, dim=-1)
        gs_r, gs_z, gs_n = self.state_map(states).chunk(3, dim=-1)
        r = torch.sigmoid(gi_r + gs_r)
        z = torch.sigmoid(gi_z + gs_z)
        n = torch.tanh(gi_n + r * gs_n)
        carried = self.merge(states)
        return n + z * (carried - n)


class RNN2D(LayerwiseJacobian, AutoregressiveModel):
    """2D GRU wave function on an ``lx × ly`` square lattice, read along a snake path.

    Args:
        lattice: a :class:`~qgen.lattice.Square` lattice, or its ``(lx, ly)``.
        hidden: hidden units per layer.
        layers: stacked 2D layers (layer ``l > 0`` reads layer ``l-1``'s state at the
            same site).
        **options: ``magnetization``, ``phase``, ``sign_sites``, ``dtype`` of
            :class:`AutoregressiveModel`.

    Raises:
        ModelError: a lattice that is not square (a chain needs :class:`~qgen.models.RNN`).
    """

    def __init__(
        self,
        lattice: Lattice | tuple[int, int],
        hidden: int = 32,
        layers: int = 1,
        **options: Any,
    ) -> None:
        if isinstance(lattice, Lattice):
            if not isinstance(lattice, Square):
                raise ModelError(
                    f"the 2D RNN needs a square lattice, got {type(lattice).__name__} "
                    f"{lattice.extent}; use the 1D RNN (model 'rnn') for chains"
                )
            lx, ly = lattice.extent
        else:
            shape = tuple(lattice)
            if len(shape) != 2 or min(shape) < 1:
                raise ModelError(f"the 2D RNN needs a size (lx, ly), got {shape}")
            lx, ly = int(shape[0]), int(shape[1])
        require_int(hidden, "hidden", minimum=1, error=ModelError)
        require_int(layers, "layers", minimum=1, error=ModelError)
        if options.get("patch_size", 1) != 1:
            raise ModelError("the 2D RNN reads one site per step; patches need the Transformer")
        path = [int(site) for site in Square(lx, ly, periodic=False).ordering("snake")]
        super().__init__(lx * ly, hidden, order=path, **options)
        self.shape = (lx, ly)
        self.hidden = hidden
        position = {site: k for k, site in enumerate(path)}
        side, below = [], []
        for k, site in enumerate(path):
            x, y = site % lx, site // lx
            side.append(k - 1 if k > 0 and path[k - 1] // lx == y else -1)
            below.append(position[x + lx * (y - 1)] if y > 0 else -1)
        self.side = side
        self.below = below
        dtype = self.dtype
        # Index ``vocabulary`` stands for "no neighbour there" (edges of the lattice).
        self.embedding = nn.Embedding(self.vocabulary + 1, hidden, dtype=dtype)
        cells = [
            _Cell2D(2 * hidden if layer == 0 else hidden, hidden, dtype) for layer in range(layers)
        ]
        self.cells = nn.ModuleList(cells)
        self._cells2d = cells  # a typed view of the same modules

    def _neighbour_tokens(self, tokens: torch.Tensor, k: int) -> torch.Tensor:
        """Embedded tokens of the side and below neighbours of step k: ``(B, 2H)``."""
        absent = torch.full_like(tokens[:, 0], self.vocabulary)
        side = tokens[:, self.side[k]] if self.side[k] >= 0 else absent
        below = tokens[:, self.below[k]] if self.below[k] >= 0 else absent
        return torch.cat([self.embedding(side), self.embedding(below)], dim=-1)

    def _site(
        self, k: int, u: torch.Tensor, states: list[list[torch.Tensor]], zeros: torch.Tensor
    ) -> torch.Tensor:
        """Run every layer at step k, appending each layer's state; returns the top one."""
        for cell, history in zip(self._cells2d, states, strict=True):
            h_side = history[self.side[k]] if self.side[k] >= 0 else zeros
            h_below = history[self.below[k]] if self.below[k] >= 0 else zeros
            u = cell(cell.input_map(u), h_side, h_below)
            history.append(u)
        return u

    def _features(self, tokens: torch.Tensor) -> torch.Tensor:
        zeros = torch.zeros(tokens.shape[0], self.hidden, dtype=self.dtype, device=tokens.device)
        states: list[list[torch.Tensor]] = [[] for _ in self.cells]
        outputs = [
            self._site(k, self._neighbour_tokens(tokens, k), states, zeros)
            for k in range(self.n_tokens)
        ]
        return torch.stack(outputs, dim=1)

    def _initial_state(self, batch: int, device: torch.device) -> list[list[torch.Tensor]]:
        return [[] for _ in self.cells]

    def _step(
        self, state: list[list[torch.Tensor]], tokens: torch.Tensor, k: int
    ) -> tuple[torch.Tensor, list[list[torch.Tensor]]]:
        zeros = torch.zeros(tokens.shape[0], self.hidden, dtype=self.dtype, device=tokens.device)
        return self._site(k, self._neighbour_tokens(tokens, k), state, zeros), state
