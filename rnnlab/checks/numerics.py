"""Probes that expose numerics, run by every numpy check after its own probes.

The learner's function is called again on inputs that the small probes do not cover and that the
grader's hidden tests (and real training) do:

- saturating inputs (pre-activations in the hundreds and thousands): a tanh or sigmoid written with np.exp
  overflows to inf and gives nan there; the hint names the overflow and the stable form;
- a batch of one (N = 1): np.squeeze or a size written into the code drops or breaks the batch axis;
- one time step (T = 1), for functions over a sequence: loop bounds and stacking;
- float32 and float64 inputs: the outputs keep the inputs' dtype (dtype drift is named both ways).

A check declares them once per exercise:

    NUMERICS = Numerics("rnn_step_forward", probe=_probe, outputs=_outputs, reference=_reference,
                        saturate="pre-activations x @ Wx + h_prev @ Wh + b in the hundreds and thousands")
    ...
    NUMERICS.run(rnn_step_forward)          # at the end of the check

probe(N=None, T=None, dtype=np.float64, big=False) -> the arguments (None: the probe's own size);
outputs(returned, args) -> {name: array} (use `unpack`, it names a wrong return value);
reference(*args) -> {name: array}.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .probes import Mistake, as_result_array, close, expect_dtype, quiet_call

OVERFLOW_FIX = ("use np.tanh for tanh, and for the sigmoid the course's `sigmoid` (or 1 / (1 + np.exp(-a)), which "
                "only ever divides by inf): a formula with np.exp(a) or np.exp(-a) in both numerator and "
                "denominator gives inf / inf = nan")


@dataclass
class Numerics:
    name: str
    probe: Callable
    outputs: Callable
    reference: Callable
    sequence: bool = False
    saturate: str = ""              # what is large in the saturating probe; "" = no such probe
    overflow_fix: str = OVERFLOW_FIX
    dtypes: bool = True             # outputs are arrays in the inputs' dtype
    batch: bool = True              # has a batch axis N
    tol: float = 1e-6
    tol32: float = 1e-4
    also: Callable | None = None     # also(*args) -> [{name: array}]: other answers the lesson accepts

    def _matches_other(self, got, args, tol):
        return self.also is not None and any(
            all(got[k].shape == np.shape(v) and close(got[k], v, tol) for k, v in alt.items())
            for alt in self.also(*args))

    def _outs(self, fn, args):
        got = self.outputs(quiet_call(fn, *args), args)
        return {k: as_result_array(v, k) for k, v in got.items()}

    def _compare(self, got, expected, when, tol, why=""):
        for name, e in expected.items():
            g = got[name]
            e = np.asarray(e)
            if g.shape != e.shape:
                raise Mistake(f"{when}, {name} has shape {g.shape}; expected {e.shape}.{why}")
            if not close(g, e, tol):
                err = np.nanmax(np.abs(np.asarray(g, np.float64) - e)) if np.all(np.isfinite(g)) else float("nan")
                raise Mistake(f"{when}, {name} differs from the expected values (largest difference {err:.3g}).{why}")

    def run(self, fn) -> None:
        if self.saturate:
            args = self.probe(big=True)
            got = self._outs(fn, args)
            expected = self.reference(*args)
            for name, g in got.items():
                if not np.all(np.isfinite(g)) and np.all(np.isfinite(expected[name])):
                    bad = "nan" if np.any(np.isnan(g)) else "inf"
                    raise Mistake(f"with {self.saturate}, {name} holds {bad}: np.exp overflows there "
                                  f"(np.exp(710) is already inf). {self.overflow_fix[:1].upper()}"
                                  f"{self.overflow_fix[1:]}.")
            self._compare(got, expected, f"with {self.saturate}", self.tol,
                          " The activations saturate there (tanh at -1 and 1, the sigmoid at 0 and 1): compute them "
                          "with np.tanh and the course's sigmoid, not a clipped or approximate formula.")
        if self.batch:
            args = self.probe(N=1)
            got = self._outs(fn, args)
            if not self._matches_other(got, args, self.tol):
                self._compare(got, self.reference(*args), "with a batch of one (N = 1)", self.tol,
                              " Keep the batch axis: no np.squeeze, and no size written into the code; read N, T, "
                              "D and H from the arguments' shapes.")
        if self.sequence:
            args = self.probe(T=1)
            self._compare(self._outs(fn, args), self.reference(*args), "with one time step (T = 1)", self.tol,
                          " Loop over every step, for t in range(T), and keep the time axis even when T = 1.")
        if self.dtypes:
            for dtype, tol in ((np.float32, self.tol32), (np.float64, self.tol)):
                args = self.probe(dtype=dtype)
                got = self._outs(fn, args)
                expected = self.reference(*args)
                for name, g in got.items():
                    want = np.asarray(expected[name]).dtype       # the contract: what the reference returns
                    if g.dtype == want or (want != np.dtype(dtype) and g.dtype == np.dtype(dtype)):
                        continue                                   # (keeping the inputs' dtype is fine too)
                    if dtype == np.float64 and g.dtype == np.float32:
                        raise Mistake(f"{name} has dtype {g.dtype} but the inputs were float64: the values lose "
                                      "precision (dtype drift); compute in the inputs' dtype, without "
                                      ".astype(np.float32) or dtype=np.float32.")
                    expect_dtype(g, want, name)
                if not self._matches_other(got, args, tol):
                    self._compare(got, expected, f"with {np.dtype(dtype).name} inputs", tol)


__all__ = ["Numerics", "OVERFLOW_FIX"]
