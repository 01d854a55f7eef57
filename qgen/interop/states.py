"""Any state as a numpy array, for every qgen function that takes a state vector or a
density matrix.

:func:`as_state_array` is called where qgen reads a state (``qgen.exact``'s state
functions, density matrices, measurement sampling, tomography targets), so those accept:

* numpy arrays and anything ``numpy.asarray`` reads (lists, jax arrays, NetKet's
  ``vstate.to_array()`` and ``lanczos_ed`` vectors on ``Spin(0.5, N)``, whose order is
  qgen's: see :mod:`qgen.interop.netket`);
* torch tensors (detached, moved to the CPU);
* QuTiP ``Qobj`` kets and density matrices on qubits (:func:`~qgen.interop.state_from_qutip`);
* NetKet variational states (anything with ``to_array()`` and a ``hilbert``), mapped
  through their space's basis (:func:`~qgen.interop.state_from_netket`).

The shape, norm and size checks stay with the caller, which knows what it needs.

Example:
    >>> import torch
    >>> as_state_vector(torch.tensor([1.0, 0.0])).tolist()
    [1.0, 0.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from qgen.errors import DataError, QgenError
from qgen.interop.qutip import is_qobj, state_from_qutip

__all__ = ["as_state_array", "as_state_vector"]

_ACCEPTED = "a numpy array, a torch tensor, a QuTiP Qobj (ket or density matrix) or a NetKet state"


def as_state_array(state: Any, error: type[QgenError] = DataError) -> np.ndarray:
    """``state`` as a numeric numpy array (a vector or a matrix), converted from any of
    the kinds listed in this module; a numpy array passes through as it is.

    Raises:
        error: ``state`` cannot be read as numbers (the message names the accepted kinds);
            a ``Qobj`` that is a bra or not on qubits.
    """
    if isinstance(state, np.ndarray) and np.issubdtype(state.dtype, np.number):
        return state
    if isinstance(state, torch.Tensor):
        state = state.detach().cpu().resolve_conj().numpy()
    elif is_qobj(state) or _is_netket_state(state):
        try:
            state = _from_library(state)
        except QgenError as problem:
            raise error(str(problem)) from None
    try:
        array = np.asarray(state)
        if not np.issubdtype(array.dtype, np.number):
            array = array.astype(np.complex128)  # e.g. an object array of numbers
    except (TypeError, ValueError):
        raise error(
            f"expected a state: {_ACCEPTED}, got {type(state).__name__} {state!r:.60}"
        ) from None
    return array


def _is_netket_state(state: Any) -> bool:
    return callable(getattr(state, "to_array", None)) and hasattr(state, "hilbert")


def _from_library(state: Any) -> np.ndarray:
    if is_qobj(state):
        return state_from_qutip(state)
    from qgen.interop.netket import state_from_netket

    return state_from_netket(state.to_array(), state.hilbert)


def as_state_vector(state: Any, error: type[QgenError] = DataError) -> np.ndarray:
    """``state`` as a numeric state vector (one dimension), from any kind that
    :func:`as_state_array` reads; a density matrix is refused.

    Raises:
        error: not readable as numbers, or not one-dimensional.
    """
    array = as_state_array(state, error)
    if array.ndim != 1:
        kind = " (a density matrix?)" if array.ndim == 2 and array.shape[0] > 1 else ""
        raise error(f"expected a state vector (one dimension), got shape {array.shape}{kind}")
    return array
