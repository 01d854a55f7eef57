r"""Per-sample log-derivatives from one batched backward pass, read off the layers.

Stochastic reconfiguration needs :math:`O_{sk} = \partial_{\theta_k}\log\psi(x_s)` for every
sample ``s``. When every parameter of a model sits in a layer applied to batch-first
tensors, and samples never interact, each layer call ``y = f_\theta(u)`` gives

.. math::  \frac{\partial \log\psi(x_s)}{\partial \theta} = \sum_{\text{calls}}
           \Big(\frac{\partial \log\psi(x_s)}{\partial y_s}\Big)^{\!\top}
           \frac{\partial y_s}{\partial \theta},

and ``∂ log ψ(x_s)/∂y_s`` for all samples at once is the gradient of ``Σ_s log ψ(x_s)``
with respect to ``y``: one backward pass. For the layers used here the last factor is
closed-form: a linear map ``y = W u + b`` contributes ``g uᵀ`` and ``g``; an embedding
scatters ``g`` into the rows it read; a layer norm contributes ``g ⊙ û`` and ``g`` (``û``
the normalized input). This is the per-sample-gradient method of Goodfellow,
"Efficient per-example gradient computations", arXiv:1510.01799 (2015), as Opacus uses it.
It replaces ``torch.func.vmap(jacrev(...))``, which runs the model's sequential steps
once per sample batch of the vmap and is several times slower for recurrent models.

Models opt in by calling it from their ``log_psi_jacobian`` (the 2D RNN, the Transformer,
MADE); they promise that every trainable parameter belongs to an ``nn.Linear`` (masked
ones carry a ``mask`` buffer), ``nn.Embedding`` or ``nn.LayerNorm`` that :meth:`forward`
calls on tensors whose first axis is the sample. Tests compare the result with the
vmapped derivatives.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import cast

import torch
from torch import nn

from qgen.errors import ModelError

__all__ = ["GroupWeights", "LayerwiseJacobian", "layerwise_log_derivatives"]

_LAYERS = (nn.Linear, nn.Embedding, nn.LayerNorm)

GroupWeights = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
"""Rows' ``log ψ`` ``(B·G,)`` → the weights ``(π, c)`` ``(B, G)`` of their group combination."""


def layerwise_log_derivatives(
    model: nn.Module,
    x: torch.Tensor,
    combine: GroupWeights | None = None,
) -> torch.Tensor:
    r"""``(B, P)`` per-sample ``∂ log ψ(x) / ∂θ`` of the trainable parameters, in the order
    of ``model.named_parameters()``; complex when ``log ψ`` is.

    With ``combine``, the ``B·G`` rows of ``x`` come in ``B`` groups of ``G`` consecutive
    rows; ``combine`` maps the rows' ``log ψ`` (no graph) to weights ``(π, c)``, both of
    shape ``(B, G)``, and row ``b`` of the result is
    :math:`\sum_g \pi_{bg}\,\mathrm{Re}\,\partial a_{bg}
    + i\,\mathrm{Im}\sum_g c_{bg}\,\partial a_{bg}` with :math:`a = \log\psi`
    (the derivative of a group average, :class:`~qgen.models.symmetrized.SymmetrizedModel`).
    The weights enter the backward pass and each group's rows are summed inside the
    layers, so no ``(B·G, P)`` matrix is formed.

    Raises:
        ModelError: a trainable parameter outside the supported layers, or a layer called
            on a tensor whose first axis is not the batch.
    """
    calls: dict[nn.Module, list[tuple[torch.Tensor, torch.Tensor]]] = defaultdict(list)

    def record(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        calls[module].append((inputs[0].detach(), output))

    layers = [
        module
        for module in model.modules()
        if isinstance(module, _LAYERS)
        and any(p.requires_grad for p in module.parameters(recurse=False))
    ]
    handles = [module.register_forward_hook(record) for module in layers]
    try:
        with torch.enable_grad():
            log_psi = model(x)
    finally:
        for handle in handles:
            handle.remove()
    rows = x.shape[0]
    outputs: list[torch.Tensor] = []
    for module, module_calls in calls.items():
        for inputs, output in module_calls:
            if inputs.shape[:1] != (rows,) or output.shape[:1] != (rows,):
                raise ModelError(
                    f"{type(model).__name__}: layer {type(module).__name__} was called on a "
                    f"tensor of shape {tuple(inputs.shape)}, not on a batch of {rows} samples; "
                    "its per-sample derivatives need torch.func"
                )
            outputs.append(output)
    targets, batch = _targets(log_psi, combine)
    if not outputs:
        raise ModelError(f"{type(model).__name__} called none of its layers")

    def per_sample(target: torch.Tensor, retain: bool) -> torch.Tensor:
        grads = iter(
            torch.autograd.grad(
                target.sum(),
                outputs,
                retain_graph=retain,
                allow_unused=True,
                materialize_grads=True,
            )
        )
        found: dict[int, torch.Tensor] = {}
        for module, module_calls in calls.items():
            pairs = [(inputs, next(grads).detach()) for inputs, _ in module_calls]
            for parameter, value in _layer_gradients(module, pairs, batch):
                found[id(parameter)] = found.get(id(parameter), 0) + value
        columns = []
        for name, parameter in model.named_parameters():
            if not parameter.requires_grad:
                continue
            if id(parameter) not in found:
                raise ModelError(
                    f"{type(model).__name__}: parameter {name!r} is not in a layer that "
                    "layerwise derivatives know (Linear, Embedding, LayerNorm)"
                )
            columns.append(found[id(parameter)].reshape(batch, -1))
        return torch.cat(columns, dim=1)

    if len(targets) == 1:
        return per_sample(targets[0], retain=False)
    real = per_sample(targets[0], retain=True)
    return torch.complex(real, per_sample(targets[1], retain=False))


class LayerwiseJacobian:
    """Mixin for autoregressive models whose every parameter sits in a layer that
    :func:`layerwise_log_derivatives` knows (the 2D RNN, the Transformer, MADE): their
    ``log_psi_jacobian``, with group combinations (``combine``)."""

    jacobian_combines = True

    def log_psi_jacobian(
        self, x: torch.Tensor, combine: GroupWeights | None = None
    ) -> torch.Tensor:
        """Per-sample ``∂ log ψ(x) / ∂θ`` ``(B, P)`` from one batched backward pass
        (:func:`layerwise_log_derivatives`, which also explains ``combine``)."""
        return layerwise_log_derivatives(cast(nn.Module, self), x, combine)


def _targets(log_psi: torch.Tensor, combine: GroupWeights | None) -> tuple[list[torch.Tensor], int]:
    """What to backpropagate: the rows' real (and imaginary) parts of ``log ψ``, or their
    group combinations with the weights ``(π, c) = combine(log ψ)``; and the number of
    samples (rows, or groups)."""
    if combine is None:
        parts = [log_psi.real, log_psi.imag] if log_psi.is_complex() else [log_psi]
        return parts, log_psi.shape[0]
    amplitude_weights, phase_weights = combine(log_psi.detach())
    shape = amplitude_weights.shape
    if log_psi.shape != (shape[0] * shape[1],) or phase_weights.shape != shape:
        raise ModelError(
            f"expected group weights of shape (B, G) with B·G = {log_psi.shape[0]} rows, got "
            f"{tuple(shape)} and {tuple(phase_weights.shape)}"
        )
    a = log_psi.reshape(shape)
    amplitude = amplitude_weights.detach() * a.real
    if not log_psi.is_complex():
        return [amplitude], shape[0]
    c = phase_weights.detach()
    return [amplitude, c.real * a.imag + c.imag * a.real], shape[0]


def _layer_gradients(
    module: nn.Module, pairs: list[tuple[torch.Tensor, torch.Tensor]], batch: int
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Per-sample gradients ``(B, *shape)`` of ``module``'s parameters from its calls'
    inputs and output gradients, the calls stacked along one "position" axis."""
    if isinstance(module, nn.Embedding):
        index = torch.cat([inputs.reshape(batch, -1) for inputs, _ in pairs], dim=1)
        grad = torch.cat([g.reshape(batch, -1, module.embedding_dim) for _, g in pairs], dim=1)
        one_hot = nn.functional.one_hot(index, module.num_embeddings).to(grad.dtype)
        return [(module.weight, torch.einsum("btv,btd->bvd", one_hot, grad))]
    if isinstance(module, nn.LayerNorm):
        shape = module.normalized_shape
        normalized = torch.cat(
            [
                nn.functional.layer_norm(inputs, shape, eps=module.eps).reshape(batch, -1, *shape)
                for inputs, _ in pairs
            ],
            dim=1,
        )
        grad = torch.cat([g.reshape(batch, -1, *shape) for _, g in pairs], dim=1)
        found: list[tuple[torch.Tensor, torch.Tensor]] = []
        if module.weight is not None:
            found.append((module.weight, (grad * normalized).sum(1)))
        if module.bias is not None:
            found.append((module.bias, grad.sum(1)))
        return found
    assert isinstance(module, nn.Linear)
    inputs = torch.cat([u.reshape(batch, -1, module.in_features) for u, _ in pairs], dim=1)
    grad = torch.cat([g.reshape(batch, -1, module.out_features) for _, g in pairs], dim=1)
    weight = torch.einsum("bto,bti->boi", grad, inputs)
    mask = getattr(module, "mask", None)  # a masked linear map (MADE) uses W ⊙ mask
    if isinstance(mask, torch.Tensor):
        weight = weight * mask
    linear: list[tuple[torch.Tensor, torch.Tensor]] = [(module.weight, weight)]
    if module.bias is not None:
        linear.append((module.bias, grad.sum(1)))
    return linear
