"""Mistakes derived from the equations: the single-edit variants of a reference computation.

A check declares its exercise's computation ONCE, as a function of an edit context `e` and the
exercise's arguments, marking each place a learner can slip with a *site* in the lesson's own
notation. The framework runs that function once to record the sites, then once per edit, and
matches the learner's output against every variant; the hint names the site and the fix.

    def _rnn_step(e, x, h_prev, Wx, Wh, b):
        a = e.sum("a", {"x @ Wx": x @ e.T("Wx", Wx), "h_prev @ Wh": h_prev @ e.T("Wh", Wh), "b": b})
        return {"h_next": e.act("h_next", "tanh", a)}

    STEP = declare("2.1", Equations("rnn_step_forward", _rnn_step, args=("x", "h_prev", "Wx", "Wh", "b"),
                                    equations={"a": "h_next = tanh(x @ Wx + h_prev @ Wh + b)", ...},
                                    swaps=[("Wx", "Wh")]), probes=lambda: [probe_args, ...])

    V = STEP.variants(probe_args)                 # every single-edit variant on this probe
    diagnose(h_next, expected, "h_next", V.candidates("h_next", got={"h_next": h_next}, first=handwritten))
    hint = V.explain({"h_next": h_next, "c_next": c_next})      # or: the variant equal on every output

Sites (each returns the correct value, or the edited one in a variant run; `fix` is the line of
the lesson to quote, by default `equations[where]`, else the first equation):

- `e.sum(where, {label: value})`: drop each term, flip each term's sign, add it twice.
- `e.mul(where, {label: value}, gates=(...))`: drop each factor; a gate's complement (1 - g for g).
- `e.act(where, kind, pre, why="", outside={label: term})`: each other activation among tanh /
  sigmoid / relu / identity (identity = "missing"), the activation applied twice, and a term of the
  pre-activation added after the activation instead of inside. Activation sites also make
  the global edits "every sigmoid -> tanh", "every tanh -> sigmoid", "sigmoid and tanh swapped"
  when the computation has both (the spec's `activations` sentence is their fix).
- `e.T(where, M)`: M transposed (square weights included: probes use non-symmetric matrices).
- `e.deriv(where, kind, out, pre=None, others={name: value})`: the derivative of `kind` taken from the
  pre-activation, from the output passed through the nonlinearity again, with the other
  activation's formula, missing, or from another quantity; two or more derivative sites of a
  `group` also make "every derivative missing".
- `e.reduce(where, op, value, axis, names, ops=..., of=(kind, raw))`: the other ops (sum <-> mean,
  median -> mean, only the first entry, ...), every other axis (and all axes), and with `of` the
  nonlinearity taken after the reduction (sqrt(mean(e))**2 for mean(e**2)); `names` are the axes'
  names in the lesson's notation.
- `e.matmul(where, A, B)`: the operands of @ in the other order.
- `e.softmax(where, scores, axis, names)`: softmax over another axis, unnormalised, missing.
- `e.range(where, n, start=0, reverse=False)`: loop bounds one short at either end, wrong direction.
- `e.shift(where, index)`: an index off by one either way.
- `e.take(where, X, index, axis)`: another position (one earlier / later, first, last) or the mean
  over the axis instead of one position.
- `e.carry(where, new, init)`: a state not carried to the next step (every step starts from init).
- `e.assign(where, old, new)`: a value that is replaced at each step accumulated (+=) instead.
- `e.batch(where, value, n)`: a gradient summed over the batch averaged instead.
- `e.acc(where, total, part)`: a shared-weight gradient overwritten instead of accumulated.
- `e.pick(where, value, **others)`: the wrong quantity (e.g. h_next where h_prev belongs).
- `e.alt(where, value, {hint: wrong_value_or_callable})`: hand-declared alternatives.
- `e.over_time(step, x, h0, *params)`: the loop of a one-state recurrence around a step's equations
  (first state, loop bounds and direction, what h[:, t] stores, the state carried).

Spec-level: `swaps=[("Wx", "Wh")]` swaps two arguments of the same shape.
If no single edit explains the output, pairs of edits are tried (within a small time budget).

`Equations.plant(edit)` returns a function with the learner's signature that makes exactly that
mistake (`wrap(outputs, args)` builds the learner's return value): the tests plant every
generated variant and assert the check names it.
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from itertools import combinations
from typing import Callable, Sequence

import numpy as np

from ..reference import sigmoid

ACT = {"tanh": np.tanh, "sigmoid": sigmoid, "relu": lambda a: np.maximum(a, 0), "identity": lambda a: a,
       "sqrt": np.sqrt, "abs": np.abs, "square": np.square, "exp": np.exp}
ACT_NAME = {"tanh": "tanh", "sigmoid": "the sigmoid", "relu": "ReLU", "identity": "no activation",
            "sqrt": "the square root", "abs": "the absolute value", "square": "the square", "exp": "np.exp"}
ACT_ALTS = ("tanh", "sigmoid", "relu", "identity")
DERIV_FROM_OUT = {"tanh": (lambda y: 1 - y ** 2, "1 - {y}**2"), "sigmoid": (lambda y: y * (1 - y), "{y} * (1 - {y})")}
DERIV_TYPOS = {"tanh": {"square": (lambda y: (1 - y) ** 2, "(1 - {y})**2"), "linear": (lambda y: 1 - y, "1 - {y}")},
               "sigmoid": {"linear": (lambda y: 1 - y, "1 - {y}")}}
PAIR_BUDGET_S = 0.25


@dataclass(frozen=True)
class Edit:
    site: str                 # the site's key: "where|label"
    kind: str                 # the family: drop, sign, twice, complement, act, outside, T, order, deriv, op, axis,
    alt: object               # softmax, bound, shift, take, carry, acc, pick, alt, swap, global, global deriv
    hint: str
    term: str = ""            # the words of the lesson the hint must contain (what the tests assert)


class Context:
    """What the equations function receives as `e`: the sites. Recording or applying edits."""

    def __init__(self, spec: "Equations", edits=()):
        self.spec = spec
        self.edits = {(ed.site, ed.kind, ed.alt): ed for ed in edits}
        self.sites = {ed.site for ed in edits}
        self.recording = not edits
        self.found: dict[tuple, Edit] = {}
        self.act_kinds: dict[str, set] = {}       # group -> the activations used in it
        self.deriv_sites: dict[str, set] = {}     # group -> the derivative sites in it
        self.global_deriv = next((ed.alt for ed in edits if ed.kind == "global deriv"), None)
        self.global_act = next(((ed.site, ed.alt) for ed in edits if ed.kind == "global"), None)

    # -- bookkeeping ------------------------------------------------------------------
    def _fix(self, where, fix):
        return fix or self.spec.equations.get(where) or self.spec.equation

    def _offer(self, site, kind, alt, hint, term=None):
        if self.recording:
            key = (site, kind, alt)
            if key not in self.found:
                self.found[key] = Edit(site, kind, alt, hint, site.split("|")[0] if term is None else term)

    def _active(self, site, kind=None):
        """The alternatives active at this site (of this kind)."""
        if self.recording or site not in self.sites:
            return []
        return [ed for (s, k, a), ed in self.edits.items() if s == site and (kind is None or k == kind)]

    # -- sites ------------------------------------------------------------------------
    def sum(self, where, terms: dict, fix=None, like=None):
        """The sum of the terms; `like`: an array of the result's shape (when a dropped term leaves a smaller one)."""
        fix = self._fix(where, fix)
        total = 0 if like is None else np.zeros(np.shape(like))
        for label, value in terms.items():
            site = f"{where}|{label}"
            self._offer(site, "drop", None, f"{where} is missing the term {label}: {fix}.", label)
            self._offer(site, "sign", None, f"the term {label} enters {where} with the wrong sign: {fix}.", label)
            self._offer(site, "twice", None, f"the term {label} is added twice to {where}: {fix}.", label)
            act = self._active(site)
            if any(ed.kind == "drop" for ed in act):
                continue
            if any(ed.kind == "twice" for ed in act):
                value = 2 * value
            total = total + (-value if any(ed.kind == "sign" for ed in act) else value)
        return total

    def mul(self, where, factors: dict, fix=None, gates=()):
        """The product of the factors: drop each; for the factors named in `gates` (values in (0, 1)) also
        offer the complement, (1 - g) for g (or g for a factor written (1 - g))."""
        fix = self._fix(where, fix)
        out = 1
        for label, value in factors.items():
            site = f"{where}|{label}"
            self._offer(site, "drop", None, f"{where} is missing the factor {label}: {fix}.", label)
            if label in gates:
                other = label[5:-1] if label.startswith("(1 - ") else f"(1 - {label})"
                self._offer(site, "complement", None, f"{where} uses {other} where it needs {label}: {fix}.", label)
            act = self._active(site)
            if any(ed.kind == "drop" for ed in act):
                continue
            out = out * ((1 - value) if any(ed.kind == "complement" for ed in act) else value)
        return out

    def act(self, where, kind, pre, fix=None, why="", alts=ACT_ALTS, group="*", outside=None):
        """ACT[kind](pre). outside={label: value} for terms of pre: also offers each of them added after the
        activation instead of inside it."""
        fix = self._fix(where, fix)
        site = f"{where}|act"
        self.act_kinds.setdefault(group, set()).add(kind)
        for label in (outside or {}):
            self._offer(site, "outside", label, f"{label} is added after {ACT_NAME[kind]}; it belongs inside: "
                                                f"{fix}.", label)
        for alt in alts:
            if alt == kind:
                continue
            if alt == "identity":
                hint = f"{where} is missing its {ACT_NAME[kind].replace('the ', '')}: {fix}."
            else:
                hint = f"{where} uses {ACT_NAME[alt]} where it needs {ACT_NAME[kind]}{why}: {fix}."
            self._offer(site, "act", alt, hint, kind if alt == "identity" else ACT_NAME[alt])
        self._offer(site, "twice", None, f"{ACT_NAME[kind]} is applied twice to {where}: {fix}.", "twice")
        f = ACT[kind]
        if self.global_act is not None and self.global_act[0] == f"*act {group}":
            f = ACT[dict(self.global_act[1]).get(kind, kind)]
        for ed in self._active(site):
            if ed.kind == "act":
                f = ACT[ed.alt]
            elif ed.kind == "twice":
                return ACT[kind](ACT[kind](pre))
            elif ed.kind == "outside":
                return ACT[kind](pre - outside[ed.alt]) + outside[ed.alt]
        return f(pre)

    def T(self, where, M, fix=None, what=None):
        site = f"{where}|T"
        self._offer(site, "T", None, f"{what or where + ' is transposed'}: {self._fix(where, fix)}.", where)
        if self._active(site):
            return np.swapaxes(M, -1, -2)
        return M

    def matmul(self, where, A, B, fix=None):
        """A @ B; offers the operands in the other order, B @ A (it runs when both are square)."""
        site = f"{where}|matmul"
        self._offer(site, "order", "@", f"{where} multiplies in the wrong order (the operands of @ are swapped): "
                                        f"{self._fix(where, fix)}.", where)
        return B @ A if self._active(site) else A @ B

    def deriv(self, where, kind, out, pre=None, others: dict | None = None, fix=None, out_name="the output",
              pre_name="the pre-activation", symbol=None, group="*"):
        """The derivative of activation `kind`, from its output `out` (tanh: 1 - out**2, sigmoid:
        out * (1 - out)); `pre` the pre-activation, `others` quantities a learner may use instead."""
        fix = self._fix(where, fix)
        site = f"{where}|deriv"
        self.deriv_sites.setdefault(group, set()).add(site)
        formula, text = DERIV_FROM_OUT[kind]
        name = ACT_NAME[kind]
        if symbol and out_name == "the output":
            out_name = symbol
        y = symbol or out_name
        options = {}
        if pre is not None:
            options["pre"] = (lambda: formula(pre), f"the derivative of {name} in {where} is taken from {pre_name}; "
                              f"it is {text.format(y=y)}, from {out_name}, which is already {kind}(...): {fix}.",
                              "derivative")
        options["twice"] = (lambda: formula(ACT[kind](out)), f"in {where}, {name} is applied again to {out_name}, "
                            f"which is already {kind}(...), before taking the derivative: {fix}.", "derivative")
        for alt, (g, alt_text) in DERIV_FROM_OUT.items():
            if alt != kind:
                options["formula"] = (lambda g=g: g(out), f"{where} uses the derivative of {ACT_NAME[alt]}, "
                                      f"{alt_text.format(y=y)}; {name}'s is {text.format(y=y)}: {fix}.",
                                      "derivative")
        for typo, (g, typo_text) in DERIV_TYPOS.get(kind, {}).items():
            options[typo] = (lambda g=g: g(out), f"{where} uses {typo_text.format(y=y)}; the derivative of {name} "
                             f"is {text.format(y=y)}: {fix}.", "derivative")
        options["missing"] = (lambda: np.ones_like(out), f"the derivative of {name} is missing in {where}: {fix}.",
                              "derivative")
        for other, value in (others or {}).items():
            options[("from", other)] = (lambda v=value: formula(v), f"the derivative of {name} in {where} is taken "
                                        f"from {other}; it comes from {out_name}: {fix}.", other)
        for key, (_, hint, term) in options.items():
            self._offer(site, "deriv", key, hint, term)
        if self.global_deriv is not None and self.global_deriv[0] == group:
            return options[self.global_deriv[1]][0]()
        for ed in self._active(site):
            return options[ed.alt][0]()
        return formula(out)

    def batch(self, where, value, n, fix=None, over="the batch"):
        """A gradient summed over the batch (e.g. x.T @ da): offers it averaged instead (divided by n)."""
        site = f"{where}|batch"
        self._offer(site, "op", "mean", f"{where} is averaged over {over} (divided by {n}); the loss sums over "
                                        f"{over}, so it is the sum: {self._fix(where, fix)}.", where)
        return value / n if self._active(site) else value

    def assign(self, where, old, new, fix=None):
        """A value replaced at each step (x = new): offers it accumulated instead (x += new)."""
        site = f"{where}|assign"
        self._offer(site, "acc", "+=", f"{where} is accumulated with += where it is replaced at each step: "
                                       f"{self._fix(where, fix)}.", where)
        return old + new if self._active(site) else new

    def reduce(self, where, op, value, axis, names: Sequence[str] = (), fix=None, ops=("sum", "mean"), of=None):
        """op over axis of value. ops: the alternatives offered ("first": only the first entry along the axis).
        of=(kind, raw) when value = ACT[kind](raw): also offers the nonlinearity applied after the reduction."""
        fix = self._fix(where, fix)
        site = f"{where}|reduce"
        value = np.asarray(value)
        fns = {"sum": np.sum, "mean": np.mean, "median": np.median, "max": np.max, "std": np.std,
               "first": lambda v, axis: np.take(v, 0, axis=axis) if axis is not None else v.reshape(-1)[0],
               "n - 1": lambda v, axis: np.sum(v, axis=axis) / (np.size(v) / np.size(np.sum(v, axis=axis)) - 1)}
        if of is not None:
            kind, raw = of
            self._offer(site, "order", kind, f"{where} takes {ACT_NAME[kind]} after the {op}; it is the {op} of "
                                              f"{ACT_NAME[kind].replace('the ', '')}s, {ACT_NAME[kind]} first: {fix}.",
                        where)

        def axes_text(ax):
            if ax is None:
                return "every axis"
            ax = (ax,) if np.isscalar(ax) else tuple(ax)
            if names and len(names) == value.ndim:
                return " and ".join(f"{names[a]} (axis {a % value.ndim})" for a in ax)
            return "axis " + ", ".join(str(a) for a in ax)
        for alt in ops:
            if alt == "first" and alt != op:
                self._offer(site, "op", alt, f"{where} uses only the first entry along {axes_text(axis)} where the "
                                             f"lesson takes the {op} over all of them: {fix}.")
            elif alt == "n - 1":
                self._offer(site, "op", alt, f"{where} divides by n - 1 (a sample statistic); the lesson's {op} "
                                             f"divides by n: {fix}.")
            elif alt != op:
                self._offer(site, "op", alt, f"{where} takes the {alt} where the lesson takes the {op}: {fix}.")
        cands = [None] + list(range(value.ndim))
        if value.ndim >= 3:
            cands += [tuple(c) for c in combinations(range(value.ndim), 2)]
        def norm(ax):
            return None if ax is None else tuple(sorted(a % value.ndim for a in ((ax,) if np.isscalar(ax) else ax)))
        right = norm(axis)
        for ax in cands:
            if norm(ax) != right and not (ax is None and right == tuple(range(value.ndim))):
                self._offer(site, "axis", ax, f"{where} takes the {op} over {axes_text(ax)}; take it over "
                                              f"{axes_text(axis)}: {fix}.")
        f, ax = fns[op], axis
        for ed in self._active(site):
            if ed.kind == "order":
                return ACT[of[0]](fns[op](of[1], axis=axis))
            if ed.kind == "op":
                f = fns[ed.alt]
            else:
                ax = ed.alt
        return f(value, axis=ax)

    def softmax(self, where, scores, axis=-1, names: Sequence[str] = (), fix=None):
        fix = self._fix(where, fix)
        site = f"{where}|softmax"
        scores = np.asarray(scores)
        nd = scores.ndim
        label = lambda a: f"{names[a]} (axis {a % nd})" if names and len(names) == nd else f"axis {a % nd}"
        for a in range(nd):
            if a != axis % nd:
                self._offer(site, "axis", a, f"the softmax of {where} runs over {label(a)}; it runs over "
                                             f"{label(axis)}, so each row sums to 1: {fix}.")
        if nd > 1:
            self._offer(site, "axis", None, f"the softmax of {where} is normalised over every entry at once; it runs "
                                            f"over {label(axis)}, so each row sums to 1: {fix}.")
        self._offer(site, "softmax", "exp", f"{where} is np.exp(scores) without the division by its sum: {fix}.")
        self._offer(site, "softmax", "none", f"{where} holds the raw scores: apply the softmax: {fix}.")
        ax = axis
        for ed in self._active(site):
            if ed.kind == "axis":
                ax = ed.alt
            elif ed.alt == "exp":
                return np.exp(scores)
            else:
                return scores
        z = np.exp(scores - scores.max(axis=ax, keepdims=True))
        return z / z.sum(axis=ax, keepdims=True)

    def range(self, where, n, start=0, reverse=False, fix=None):
        fix = self._fix(where, fix)
        site = f"{where}|range"
        last, first = ("first", "last") if reverse else ("last", "first")
        self._offer(site, "bound", "short", f"the loop over {where} stops one step early and skips the {last} step: "
                                            f"{fix}.")
        self._offer(site, "bound", "late", f"the loop over {where} skips the {first} step ({where} = "
                                           f"{n - 1 if reverse else start}): {fix}.")
        self._offer(site, "bound", "direction", f"the loop over {where} runs "
                                                f"{'forward' if reverse else 'backward'} in time: {fix}.")
        lo, hi, rev = start, n, reverse
        for ed in self._active(site):
            if ed.alt == "short":
                if reverse:
                    lo += 1
                else:
                    hi -= 1
            elif ed.alt == "late":
                if reverse:
                    hi -= 1
                else:
                    lo += 1
            else:
                rev = not rev
        idx = list(range(lo, hi))
        return idx[::-1] if rev else idx

    def shift(self, where, index, fix=None, deltas=(-1, 1), symbol=None):
        fix = self._fix(where, fix)
        site = f"{where}|shift"
        for d in deltas:
            moved = f" ({symbol} {'+' if d > 0 else '-'} {abs(d)} instead of {symbol})" if symbol else ""
            self._offer(site, "shift", d, f"{where} is off by one, one {'too large' if d > 0 else 'too small'}{moved}: "
                                          f"{fix}.")
        for ed in self._active(site):
            return index + ed.alt
        return index

    def take(self, where, X, index, axis=-1, fix=None, names: dict | None = None):
        """X at position `index` along `axis` (the axis is removed)."""
        fix = self._fix(where, fix)
        site = f"{where}|take"
        X = np.asarray(X)
        n = X.shape[axis]
        i = index % n
        desc = names or {}
        alts = {"earlier": i - 1, "later": i + 1, "first": 0, "last": n - 1}
        seen = {i}
        for key, j in alts.items():
            if 0 <= j < n and j not in seen:
                seen.add(j)
                text = desc.get(key, f"position {j} ({key})")
                self._offer(site, "take", key, f"{where} uses {text} instead of {desc.get('right', f'position {i}')}: "
                                               f"{fix}.")
        self._offer(site, "take", "mean", f"{where} uses {desc.get('mean', 'the mean over the axis')} instead of "
                                          f"{desc.get('right', f'position {i}')}: {fix}.")
        for ed in self._active(site):
            if ed.alt == "mean":
                return X.mean(axis=axis)
            return np.take(X, alts[ed.alt], axis=axis)
        return np.take(X, i, axis=axis)

    def carry(self, where, new, init, fix=None, init_name="the initial state"):
        site = f"{where}|carry"
        self._offer(site, "carry", None, f"{where} is not carried to the next step: every step starts from "
                                         f"{init_name}: {self._fix(where, fix)}.")
        return init if self._active(site) else new

    def acc(self, where, total, part, fix=None):
        site = f"{where}|acc"
        self._offer(site, "acc", None, f"{where} is overwritten at each step instead of accumulated: the weights are "
                                       f"shared by every step, so add each step's part with +=: "
                                       f"{self._fix(where, fix)}.")
        return part if self._active(site) else total + part

    def pick(self, where, value, fix=None, right="", **others):
        fix = self._fix(where, fix)
        site = f"{where}|pick"
        for name in others:
            self._offer(site, "pick", name, f"{where} uses {name}{f' where {right} belongs' if right else ''}: {fix}.")
        for ed in self._active(site):
            v = others[ed.alt]
            return v() if callable(v) else v
        return value

    def over_time(self, step, x, h0, *params):
        """The loop of a one-state recurrence over x (N, T, D), batch-major, around the step's own sites:
        step(e, x_t, h_prev, *params)["h_next"]. Sites: the first state (h0 or zeros), the loop bounds and
        direction, what h[:, t] stores, the state carried. Returns h (N, T, H)."""
        N, T, _ = x.shape
        h = np.zeros((N, T, h0.shape[1]))
        h_t = self.pick("the first step", h0, right="h0", zeros=lambda: np.zeros_like(h0),
                        fix="start from the given h0")
        for t in self.range("t", T, fix="for t in range(T), t = 0, 1, ..., T - 1"):
            t_in = self.shift("the input of step t", t, symbol="t", fix="step t reads x[:, t]")
            h_next = step(self, x[:, t_in], h_t, *params)["h_next"]
            h[:, t] = self.pick("h[:, t]", h_next, right="the new state h_next", h_prev=h_t,
                                fix="store the state after step t, h[:, t] = h_next")
            h_t = self.carry("the state h_t", h_next, h0, init_name="h0", fix="h_prev = h_next inside the loop")
        return h

    def alt(self, where, value, alternatives: dict):
        site = f"{where}|alt"
        for hint in alternatives:
            self._offer(site, "alt", hint, hint, hint)
        for ed in self._active(site):
            v = alternatives[ed.alt]
            return v() if callable(v) else v
        return value


def _as_outputs(out):
    if isinstance(out, dict):
        return out
    raise TypeError("an equations function returns a dict {output name: value}")


@dataclass
class Equations:
    """The reference computation of one exercise, written with sites (see the module docstring).

    compute(e, *args) -> {output name: value}. args: the argument names, in order. equations: the
    lesson's lines, by the name of what they compute (sites quote them as the fix). swaps: pairs of
    arguments a learner may swap. activations: one sentence on which activation goes where (the
    fix of the global sigmoid/tanh edits). wrap(outputs, args): the learner's return value, for
    `plant` (default: the outputs in order, as a tuple, or the only one alone).
    """
    name: str
    compute: Callable
    args: Sequence[str]
    equations: dict = field(default_factory=dict)
    swaps: Sequence[tuple] = ()
    activations: str = ""
    wrap: Callable | None = None
    tol: float = 1e-6

    @property
    def equation(self) -> str:
        return next(iter(self.equations.values()), self.name)

    # -- running --------------------------------------------------------------------------
    def run(self, args, edits=()):
        args = list(args)
        for ed in edits:
            if ed.kind == "swap":
                i, j = (self.args.index(n) for n in ed.alt)
                args[i], args[j] = args[j], args[i]
        ctx = Context(self, edits)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = _as_outputs(self.compute(ctx, *args))
        return out, ctx

    def edits(self, args) -> list[Edit]:
        """Every single edit of the computation on these arguments (recorded from one clean run)."""
        _, ctx = self.run(args)
        found = list(ctx.found.values())
        for group, kinds in ctx.act_kinds.items():
            if {"sigmoid", "tanh"} <= kinds and self.activations:
                fix, site = self.activations, f"*act {group}"
                found += [Edit(site, "global", (("sigmoid", "tanh"), ("tanh", "sigmoid")),
                               f"sigmoid and tanh are swapped: {fix}.", "sigmoid and tanh are swapped"),
                          Edit(site, "global", (("sigmoid", "tanh"),), f"every activation is tanh: {fix}.", "tanh"),
                          Edit(site, "global", (("tanh", "sigmoid"),), f"every activation is the sigmoid: {fix}.",
                               "sigmoid")]
        for group, sites in ctx.deriv_sites.items():
            if len(sites) >= 2:
                found.append(Edit(f"*deriv {group}", "global deriv", (group, "missing"),
                                  "every activation derivative is missing (the sigmoid's s * (1 - s), tanh's "
                                  f"1 - t**2): {self.equation}.", "derivative"))
        for a, b in self.swaps:
            va, vb = args[self.args.index(a)], args[self.args.index(b)]
            if np.shape(va) == np.shape(vb):
                found.append(Edit("*swap", "swap", (a, b), f"{a} and {b} are swapped: {self.equation}.",
                                  "swapped"))
        return found

    def variants(self, args, pairs: bool = True) -> "Variants":
        return Variants(self, tuple(args), pairs)

    # -- planting (tests) -----------------------------------------------------------------
    def plant(self, *edits: Edit):
        """A function with the learner's signature that makes exactly these edits."""
        def planted(*args, **kwargs):
            out, _ = self.run(args + tuple(kwargs.values()), edits)
            if self.wrap is not None:
                return self.wrap(out, args + tuple(kwargs.values()))
            vals = tuple(out.values())
            return vals[0] if len(vals) == 1 else vals
        planted.__name__ = self.name
        return planted


DECLARED: dict[str, list] = {}


def declare(exercise_id: str, equations: Equations, probes: Callable[[], list]) -> Equations:
    """Record that exercise `exercise_id`'s check matches against `equations` on the argument tuples that
    `probes()` returns (the same probes the check uses). tests/checks/test_variants.py plants every variant
    of every declared exercise and asserts the check fails it with a hint that names the term."""
    DECLARED.setdefault(exercise_id, []).append((equations, probes))
    return equations


def _same(a, b, tol):
    try:
        if isinstance(a, dict) or isinstance(b, dict):
            return set(a) == set(b) and all(_same(a[k], b[k], tol) for k in a)
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    if a.shape != b.shape:
        return False
    with np.errstate(all="ignore"):
        same = (a == b) | (np.isnan(a) & np.isnan(b)) | (np.abs(a - b) <= tol * (1 + np.abs(b)))
    return bool(np.all(same))


class Variants:
    """The variants of one computation on one probe: (edits, outputs), the reference's outputs, and
    matching. Single edits are computed at once; pairs only when asked and nothing single matched."""

    def __init__(self, spec: Equations, args, pairs=True):
        self.spec, self.args, self.pairs_allowed = spec, args, pairs
        self.expected, _ = spec.run(args)
        self.single = []
        for ed in spec.edits(args):
            out = self._try((ed,))
            if out is not None and not any(_same(out, o, spec.tol) for _, o in self.single):
                self.single.append(((ed,), out))
        self._pairs = None

    def _try(self, edits):
        try:
            out, _ = self.spec.run(self.args, edits)
        except Exception:          # a variant that cannot run on this probe (shapes) is no candidate
            return None
        if all(_same(out.get(k), v, self.spec.tol) for k, v in self.expected.items()):
            return None            # the same numbers as the right answer on this probe
        return out

    def pairs(self):
        if self._pairs is None:
            self._pairs = []
            if self.pairs_allowed:
                start = time.perf_counter()
                for (a,), (b,) in combinations([e for e, _ in self.single], 2):
                    if a.site == b.site or (a.kind == "global" and b.kind in ("act", "twice")):
                        continue
                    if time.perf_counter() - start > PAIR_BUDGET_S:
                        break
                    out = self._try((a, b))
                    if out is not None:
                        self._pairs.append(((a, b), out))
        return self._pairs

    @staticmethod
    def hint(edits) -> str:
        if len(edits) == 1:
            return edits[0].hint
        first = edits[0].hint
        second = edits[1].hint
        return f"two slips: {first[:1].upper()}{first[1:]} And {second}"

    def explain(self, got: dict):
        """The hint of the first variant (single edits, then pairs) that equals `got` on every output
        in it; None when none does."""
        for edits, out in self.single:
            if all(k in out and _same(v, out[k], self.spec.tol) for k, v in got.items()):
                return self.hint(edits)
        for edits, out in self.pairs():
            if all(k in out and _same(v, out[k], self.spec.tol) for k, v in got.items()):
                return self.hint(edits)
        return None

    def candidates(self, name: str, got: dict | None = None, first=()):
        """(wrong value of `name`, hint) for `diagnose`, lazily: first the hand-written `first`, then the
        variants that equal every output in `got`, then those that equal this output alone, then pairs
        of edits (computed only when reached: never unpack this into a list)."""
        yield from first
        jointly = []
        if got:
            for edits, out in self.single:
                if all(k in out and _same(v, out[k], self.spec.tol) for k, v in got.items()):
                    jointly.append((out[name], self.hint(edits)))
        yield from jointly
        for edits, out in self.single:
            if name in out:
                yield out[name], self.hint(edits)
        for edits, out in self.pairs():
            if name in out:
                yield out[name], self.hint(edits)


__all__ = ["Equations", "Variants", "Edit", "Context", "ACT", "ACT_NAME", "DECLARED", "declare"]
