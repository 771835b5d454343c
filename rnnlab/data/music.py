"""Melodies for lesson 14: a small generated corpus, its statistics, and audio made with numpy
(the piano roll is `rnnlab.viz.plots.piano_roll`).

A melody is 16 notes, one per beat, in four bars of four. Notes are scale degrees of C major,
0 (C4) to 14 (C6). The corpus follows a folk-tune plan, seeded, nothing downloaded:

- bar 1 starts on a note of the C major chord and moves mostly by step;
- bar 2 repeats bar 1 one or two degrees higher (a "sequence");
- bar 3 wanders on by steps;
- bar 4 begins like bar 1 and ends on a C (the tonic).

So there is something to learn at every distance: small steps from note to note, and a
repeat of bar 1 twelve notes later.
"""
from __future__ import annotations

import numpy as np

from .._shapes import as_array, expect_ndim

N_DEGREES = 15                                   # C4 .. C6
BAR, BARS = 4, 4
LENGTH = BAR * BARS
_MAJOR = np.array([0, 2, 4, 5, 7, 9, 11])
MIDI = np.array([60 + 12 * (d // 7) + _MAJOR[d % 7] for d in range(N_DEGREES)])
NAMES = [n + str(4 + d // 7) for d, n in zip(range(N_DEGREES), "C D E F G A B".split() * 3)]
STEPS = np.array([-2, -1, 0, 1, 2])
STEP_P = np.array([0.1, 0.35, 0.1, 0.35, 0.1])
TONICS = (0, 7, 14)


def _walk(r, start, n):
    notes, d = [], start
    for _ in range(n):
        d = int(np.clip(d + r.choice(STEPS, p=STEP_P), 0, N_DEGREES - 1))
        notes.append(d)
    return notes


def melody_corpus(n: int, seed: int = 0) -> np.ndarray:
    """n melodies following the folk-tune plan of the module docstring: (n, 16) int."""
    r = np.random.default_rng(seed)
    out = np.zeros((n, LENGTH), dtype=np.int64)
    for k in range(n):
        first = int(r.choice([0, 2, 4, 7]))
        bar1 = [first] + _walk(r, first, BAR - 1)
        shift = int(r.choice([1, 2]))
        bar2 = [min(d + shift, N_DEGREES - 1) for d in bar1]
        bar3 = _walk(r, bar2[-1], BAR)
        end = min(TONICS, key=lambda t: (abs(t - bar1[2]), t))
        bar4 = bar1[:3] + [end]
        out[k] = bar1 + bar2 + bar3 + bar4
    return out


def melody_stats(melodies) -> dict:
    """Features of the plan, as fractions over the melodies (n, 16).

    step: note-to-note moves inside bars 1-3 of at most 2 degrees; sequence: melodies whose
    bar 2 is bar 1 moved up by 1 or 2 degrees; repeat: melodies whose bar 4 begins like bar 1
    (3 notes); tonic: melodies that end on a C.
    """
    m = as_array("melodies", melodies, "melody_stats")
    expect_ndim("melody_stats", "melodies", m, 2, "(n, 16)")
    bars = m[:, :3 * BAR].reshape(len(m), 3, BAR)
    shift = m[:, BAR:2 * BAR] - m[:, :BAR]
    return {
        "step": float(np.mean(np.abs(np.diff(bars, axis=2)) <= 2)),
        "sequence": float(np.mean(np.all(shift == shift[:, :1], axis=1) & np.isin(shift[:, 0], [1, 2]))),
        "repeat": float(np.mean(np.all(m[:, 12:15] == m[:, 0:3], axis=1))),
        "tonic": float(np.mean(np.isin(m[:, -1], TONICS))),
    }


def synthesize(melody, bpm: float = 150, rate: int = 8000) -> np.ndarray:
    """Audio of a melody: one plucked tone per note (a sine and its octave, decaying). float32, in [-1, 1]."""
    m = as_array("melody", melody, "synthesize")
    expect_ndim("synthesize", "melody", m, 1, "(T,)")
    beat = int(rate * 60 / bpm)
    t = np.arange(beat) / rate
    envelope = np.exp(-4.0 * t / t[-1]) * np.minimum(1.0, t / 0.005)
    notes = []
    for d in m:
        f = 440.0 * 2 ** ((MIDI[int(d)] - 69) / 12)
        notes.append(envelope * (np.sin(2 * np.pi * f * t) + 0.3 * np.sin(4 * np.pi * f * t)))
    wave = np.concatenate(notes)
    return (0.8 * wave / np.max(np.abs(wave))).astype(np.float32)


def sample_melody(next_probs, length: int, temperature: float, seed: int) -> np.ndarray:
    """Compose a melody one note at a time.

    next_probs(notes) takes the notes chosen so far (a list of ints, empty at first) and returns
    the probabilities of the next note, shape (V,). Each note is drawn from those probabilities
    reshaped by the temperature: p ** (1 / temperature), renormalised. Uses
    np.random.default_rng(seed). Returns (length,) int.
    """
    rng = np.random.default_rng(seed)
    notes = []
    for _ in range(length):
        p = np.asarray(next_probs(list(notes)), dtype=np.float64)
        logits = np.log(np.maximum(p, 1e-12)) / temperature
        q = np.exp(logits - logits.max())
        notes.append(int(rng.choice(len(q), p=q / q.sum())))
    return np.array(notes, dtype=np.int64)
