r"""Per-sample log-derivatives of the GRU wave function from one batched backward pass.

Stochastic reconfiguration needs :math:`O_{sk} = \partial_{\theta_k}\log\psi(x_s)` for every
sample. Every parameter of the :class:`~qgen.models.RNN` enters through a linear map
``y = W u + b`` applied at each token ``t`` (the recurrent products, the input
projections, the heads) or through the embedding table, so

.. math::  \frac{\partial \log\psi(x_s)}{\partial W} = \sum_t
           \frac{\partial \log\psi(x_s)}{\partial y_{st}}\; u_{st}^{\top},

and ``∂ log ψ(x_s)/∂y_st`` for all samples comes from a single backward pass of
``Σ_s log ψ(x_s)`` (samples do not interact). The sum over ``t`` is one batched matrix
product per weight. This replaces a vmapped per-sample backward
(:func:`torch.func.vmap` of :func:`torch.func.jacrev`), which the generic path in
:func:`qgen.vmc.sr.log_derivatives` uses for every other model; the two agree to rounding
(tested).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

if TYPE_CHECKING:
    from qgen.models.rnn import RNN

__all__ = ["rnn_log_derivatives"]


def rnn_log_derivatives(model: RNN, x: torch.Tensor) -> torch.Tensor:
    """``(B, P)`` per-sample derivatives of ``log ψ`` (complex when ψ is), in the order of
    ``model.named_parameters()``."""
    model._check(x)
    tokens = model.tokenize(x)
    tape: dict[str, Any] = {}
    with torch.enable_grad():
        features = model._features(tokens, tape)
        logits = model.amplitude_head(features)
        index = tokens.unsqueeze(-1)
        log_cond = torch.log_softmax(model._masked_logits(logits, tokens), dim=-1)
        half_log_prob = 0.5 * log_cond.gather(-1, index).squeeze(-1).sum(-1)
        phase_logits = None
        phase = None
        if model.phase_head is not None:
            phase_logits = model.phase_head(features)
            phases = math.pi * nn.functional.softsign(phase_logits)
            phase = phases.gather(-1, index).squeeze(-1).sum(-1)
        layers = tape["layers"]
        targets = [logits]
        if phase_logits is not None:
            targets.append(phase_logits)
        for layer in layers:
            targets.append(layer["projected"])
            targets.extend(gh for _, gh in layer["steps"])
        parts = [
            _per_sample(
                model,
                x.shape[0],
                layers,
                features,
                targets,
                half_log_prob,
                retain=phase is not None,
            )
        ]
        if phase is not None:
            parts.append(
                _per_sample(model, x.shape[0], layers, features, targets, phase, retain=False)
            )
    names = [name for name, p in model.named_parameters() if p.requires_grad]
    flats = [
        torch.cat([part[name].reshape(x.shape[0], -1) for name in names], dim=1) for part in parts
    ]
    if len(flats) == 2:
        return torch.complex(flats[0], flats[1])
    if model.is_complex:  # a fixed sign: complex ψ whose phase has no parameters
        return torch.complex(flats[0], torch.zeros_like(flats[0]))
    return flats[0]


def _per_sample(
    model: RNN,
    batch: int,
    layers: list[dict[str, Any]],
    features: torch.Tensor,
    targets: list[torch.Tensor],
    output: torch.Tensor,
    retain: bool,
) -> dict[str, torch.Tensor]:
    """Per-sample gradients of ``output`` (B,) for every parameter, by name."""
    grads = torch.autograd.grad(
        output.sum(), targets, retain_graph=retain, allow_unused=True, materialize_grads=True
    )
    found: dict[str, torch.Tensor] = {}
    position = 0

    def take() -> torch.Tensor:
        nonlocal position
        grad = grads[position]
        position += 1
        return grad.detach()

    def linear(prefix: str, grad_out: torch.Tensor, inputs: torch.Tensor) -> None:
        found[f"{prefix}.weight"] = torch.einsum("bto,bti->boi", grad_out, inputs)
        found[f"{prefix}.bias"] = grad_out.sum(1)

    features = features.detach()
    linear("amplitude_head", take(), features)
    if model.phase_head is not None:
        linear("phase_head", take(), features)
    for number, layer in enumerate(layers):
        cell = f"cells.{number}"
        grad_projected = take()
        if number == 0:
            # projected = table[shifted], table = E W_inᵀ + b_in: scatter into the table.
            shifted = layer["input"]
            one_hot = nn.functional.one_hot(shifted, model.vocabulary + 1).to(grad_projected)
            grad_table = torch.einsum("btv,bto->bvo", one_hot, grad_projected)
            embedding = model.embedding.weight.detach()
            weight = model._gru[0].input_map.weight.detach()
            found[f"{cell}.input_map.weight"] = torch.einsum("bvo,vi->boi", grad_table, embedding)
            found[f"{cell}.input_map.bias"] = grad_table.sum(1)
            found["embedding.weight"] = torch.einsum("bvo,oi->bvi", grad_table, weight)
        else:
            linear(f"{cell}.input_map", grad_projected, layer["input"].detach())
        steps = layer["steps"]
        grad_gh = torch.stack([take() for _ in steps], dim=1)
        previous = torch.stack([h.detach() for h, _ in steps], dim=1)
        linear(f"{cell}.hidden_map", grad_gh, previous)
    assert position == len(grads)
    return found
