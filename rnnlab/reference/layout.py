"""Keras' weight layout and the checks every cell runs on its arguments.

The gate blocks of an LSTM ([i, f, c, o]) or a GRU ([z, r, h~]) sit side by side in the columns of
Wx (D, kH), Wh (H, kH) and b; `blocks` cuts an array of that layout back into its k blocks. The
shape checks raise ValueError naming what was expected and what arrived.
"""
from __future__ import annotations

from .._shapes import as_array, expect_ndim, expect_shape, fmt


def state_size(func, name, h, x, N):
    """Check the state's batch size against x; H is read from the state itself."""
    expect_ndim(func, name, h, 2, "(N, H)")
    if h.shape[0] != N:
        hint = ""
        if x.ndim == 3 and h.shape[0] == x.shape[1]:
            hint = (f"; x has shape {tuple(x.shape)}: if that is (T, N, D), it is time-major, and the course is "
                    "batch-major, (N, T, D) (use np.swapaxes(x, 0, 1))")
        raise ValueError(f"{func}: {name} should have shape (N, H) with N = {N} from x, got {tuple(h.shape)}{hint}")
    return h.shape[1]



def gate_weights(func, Wx, Wh, b, D, k, blocks):
    """Check Wx (D, kH), Wh (H, kH), b (kH,) and return them with H."""
    Wx, Wh, b = (as_array(n, v, func) for n, v in (("Wx", Wx), ("Wh", Wh), ("b", b)))
    expect_ndim(func, "Wx", Wx, 2, f"(D, {k}H)")
    if Wx.shape[1] % k:
        raise ValueError(f"{func}: Wx should have shape (D, {k}H), the {k} gate blocks {blocks} side by side, "
                         f"got {fmt(Wx.shape)}: {Wx.shape[1]} columns is not a multiple of {k}")
    H = Wx.shape[1] // k
    expect_shape(func, "Wx", Wx, (D, k * H), f"(D, {k}H)")
    expect_shape(func, "Wh", Wh, (H, k * H), f"(H, {k}H)")
    return Wx, Wh, b, H



def blocks(a, k):
    """The k gate blocks side by side in the last axis of a, as views."""
    H = a.shape[-1] // k
    return [a[..., j * H:(j + 1) * H] for j in range(k)]
