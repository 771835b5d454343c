"""Spoken digits (lesson 15): the Free Spoken Digit Dataset, offline, and your own WAV files; numpy only.

The recordings are the Free Spoken Digit Dataset (FSDD): 3,000 recordings of the digits 0-9 by six
English speakers (50 per digit per speaker), mono, 8 kHz, trimmed. Z. Jackson, C. Souza, J. Flaks,
Y. Pan, H. Nicolas and A. Thite, *Jakobovski/free-spoken-digit-dataset*,
github.com/Jakobovski/free-spoken-digit-dataset, licensed CC BY-SA 4.0
(creativecommons.org/licenses/by-sa/4.0/). Shipped here re-encoded as 8-bit mu-law (the G.711
telephone encoding at this sample rate, continuous mu = 255 form) in `files/fsdd_mulaw.npz`; the
speaker and the index of every clip are kept. The official test split is index 0-4 of each digit
and speaker.

    clips = load_fsdd()                      # Clips: audio (list of float32 arrays in [-1, 1]), digit,
                                             #        speaker, index, speakers, rate
    x = load_wav("me_saying_seven.wav")      # your own recording: mono, 8 kHz, 16-bit PCM WAV
    feats = log_mel(x)                       # (frames, 32) log-mel in dB, 10 ms hop
"""
from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 8000
MU = 255
FILES = Path(__file__).parent / "files"
FSDD_FILE = FILES / "fsdd_mulaw.npz"
SPEAKERS = ("george", "jackson", "lucas", "nicolas", "theo", "yweweler")
ACCENTS = {"george": "Greek", "jackson": "US", "lucas": "German", "nicolas": "Belgian French",
           "theo": "US", "yweweler": "German"}
N_FFT, HOP, N_MELS = 256, 80, 32          # 32 ms window, 10 ms hop at 8 kHz


# --------------------------------------------------------------------------------------
# mu-law: 8 bits per sample, fine steps for quiet sounds and coarse ones for loud
# --------------------------------------------------------------------------------------

def mulaw_encode(x: np.ndarray, mu: int = MU) -> np.ndarray:
    """Samples in [-1, 1] -> uint8 codes 0..mu (continuous mu-law, then rounding)."""
    x = np.clip(np.asarray(x, np.float64), -1.0, 1.0)
    y = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
    return np.round((y + 1) / 2 * mu).astype(np.uint8)


def mulaw_decode(codes: np.ndarray, mu: int = MU) -> np.ndarray:
    """uint8 codes 0..mu -> float32 samples in [-1, 1]."""
    y = 2 * np.asarray(codes, np.float64) / mu - 1
    return (np.sign(y) * np.expm1(np.abs(y) * np.log1p(mu)) / mu).astype(np.float32)


# --------------------------------------------------------------------------------------
# The data set and your own WAV files
# --------------------------------------------------------------------------------------

@dataclass
class Clips:
    """The FSDD clips: audio[i] is a float32 array in [-1, 1] at `rate` Hz; digit, speaker (index into
    `speakers`) and index (0-49, the official test split is 0-4) are int arrays of the same length."""
    audio: list
    digit: np.ndarray
    speaker: np.ndarray
    index: np.ndarray
    speakers: tuple
    rate: int = RATE

    def __len__(self):
        return len(self.audio)

    def subset(self, mask) -> "Clips":
        keep = np.flatnonzero(mask)
        return Clips([self.audio[i] for i in keep], self.digit[keep], self.speaker[keep], self.index[keep],
                     self.speakers, self.rate)

    @property
    def official_test(self) -> np.ndarray:
        """True for the official test split (index 0-4)."""
        return self.index < 5

    def speaker_mask(self, name: str) -> np.ndarray:
        if name not in self.speakers:
            raise ValueError(f"no speaker {name!r}; the speakers are {', '.join(self.speakers)}")
        return self.speaker == self.speakers.index(name)


def pack_fsdd(recordings: str | Path, out: str | Path = FSDD_FILE) -> Path:
    """Re-encode the FSDD WAV folder (`{digit}_{speaker}_{index}.wav`) as 8-bit mu-law in one npz."""
    files = sorted(Path(recordings).glob("*.wav"))
    if not files:
        raise FileNotFoundError(f"no .wav files in {recordings}")
    rows = []
    for f in files:
        digit, speaker, index = f.stem.split("_")
        rows.append((int(digit), SPEAKERS.index(speaker), int(index), f))
    rows.sort(key=lambda r: r[:3])
    codes = [mulaw_encode(load_wav(f)) for *_, f in rows]
    offsets = np.concatenate([[0], np.cumsum([len(c) for c in codes])]).astype(np.int64)
    np.savez_compressed(out, codes=np.concatenate(codes), offsets=offsets,
                        digit=np.array([r[0] for r in rows], np.uint8),
                        speaker=np.array([r[1] for r in rows], np.uint8),
                        index=np.array([r[2] for r in rows], np.uint8),
                        speakers=np.array(SPEAKERS), rate=np.array(RATE))
    return Path(out)


def load_fsdd(path: str | Path = FSDD_FILE) -> Clips:
    """All 3,000 FSDD clips, decoded from the shipped mu-law file (offline; about 0.3 s)."""
    with np.load(path) as z:
        audio = mulaw_decode(np.arange(MU + 1))[z["codes"]]      # a 256-entry table: fast
        offsets = z["offsets"]
        clips = Clips([audio[a:b] for a, b in zip(offsets[:-1], offsets[1:])], z["digit"].astype(int),
                      z["speaker"].astype(int), z["index"].astype(int), tuple(str(s) for s in z["speakers"]),
                      int(z["rate"]))
    return clips


def load_wav(path: str | Path, rate: int = RATE) -> np.ndarray:
    """Your own recording as float32 samples in [-1, 1]: a mono, 16-bit PCM WAV file at `rate` Hz.

    Raises ValueError naming what is wrong (not a WAV file, empty, stereo, another sample rate or
    sample width) and how to fix it."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no file {path}")
    if path.stat().st_size == 0:
        raise ValueError(f"{path} is empty (0 bytes): record again and save as WAV.")
    try:
        with wave.open(str(path), "rb") as w:
            channels, width, got_rate, n = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
            raw = w.readframes(n)
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"{path} is not a WAV file this loader can read ({exc}); save your recording as "
                         "16-bit PCM WAV (e.g. in Audacity: File > Export > WAV, signed 16-bit PCM).") from None
    if channels != 1:
        raise ValueError(f"{path} has {channels} channels (stereo); expected 1 (mono). Mix it down to mono, "
                         "or average the channels: x = x.reshape(-1, channels).mean(axis=1).")
    if got_rate != rate:
        raise ValueError(f"{path} is sampled at {got_rate} Hz; expected {rate} Hz like the training data. "
                         f"Resample it to {rate} Hz (e.g. Audacity: Tracks > Resample, or sox in.wav -r {rate} "
                         "out.wav).")
    if width != 2:
        raise ValueError(f"{path} has {8 * width}-bit samples; expected 16-bit PCM. Export it as signed 16-bit.")
    x = np.frombuffer(raw, "<i2").astype(np.float32) / 32768.0
    if len(x) == 0:
        raise ValueError(f"{path} holds no samples (a WAV header only): record again.")
    return x


def save_wav(path: str | Path, x: np.ndarray, rate: int = RATE) -> Path:
    """Write float samples in [-1, 1] as a mono 16-bit WAV (for trying `load_wav`)."""
    pcm = (np.clip(np.asarray(x, np.float64), -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return Path(path)


# --------------------------------------------------------------------------------------
# Features: frames -> STFT -> power -> mel -> dB -> per-utterance normalisation
# --------------------------------------------------------------------------------------

def frames(x: np.ndarray, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """Overlapping frames of x (n,) -> (1 + n // hop, n_fft), centred like keras.ops.stft(center=True):
    the signal is reflect-padded by n_fft // 2 on both sides."""
    x = np.asarray(x, np.float32)
    if x.ndim != 1:
        raise ValueError(f"expected one mono signal of shape (n,), got shape {x.shape}")
    pad = n_fft // 2
    if len(x) <= pad:
        x = np.pad(x, (0, pad + 1 - len(x)))
    xp = np.pad(x, pad, mode="reflect")
    count = 1 + (len(xp) - n_fft) // hop
    return np.lib.stride_tricks.sliding_window_view(xp, n_fft)[::hop][:count]


def hann(n: int) -> np.ndarray:
    """The periodic Hann window (the one the STFT uses)."""
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)).astype(np.float32)


def power_spectrogram(x: np.ndarray, n_fft: int = N_FFT, hop: int = HOP) -> np.ndarray:
    """|STFT|^2 of x: (frames, n_fft // 2 + 1)."""
    spec = np.fft.rfft(frames(x, n_fft, hop) * hann(n_fft), axis=-1)
    return (spec.real ** 2 + spec.imag ** 2).astype(np.float32)


def hz_to_mel(f):
    """The HTK mel scale: 1127 ln(1 + f / 700)."""
    return 1127.0 * np.log1p(np.asarray(f, np.float64) / 700.0)


def mel_matrix(n_mels: int = N_MELS, n_fft: int = N_FFT, rate: int = RATE, fmin: float = 20.0,
               fmax: float | None = None) -> np.ndarray:
    """Triangular mel filters (n_fft // 2 + 1, n_mels), equally spaced on the mel scale (HTK, as Keras)."""
    fmax = rate / 2 if fmax is None else fmax
    bins = hz_to_mel(np.linspace(0, rate / 2, n_fft // 2 + 1))[1:, None]
    edges = np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2)
    lo, mid, hi = edges[:-2], edges[1:-1], edges[2:]
    w = np.maximum(0, np.minimum((bins - lo) / (mid - lo), (hi - bins) / (hi - mid)))
    return np.vstack([np.zeros((1, n_mels)), w]).astype(np.float32)


def log_mel(x: np.ndarray, n_mels: int = N_MELS, n_fft: int = N_FFT, hop: int = HOP, rate: int = RATE,
            top_db: float = 80.0) -> np.ndarray:
    """Log-mel spectrogram in dB (frames, n_mels): 10 log10(power @ mel), floored at 1e-10 and at
    top_db below the loudest value (keras.layers.MelSpectrogram's defaults)."""
    mel = power_spectrogram(x, n_fft, hop) @ mel_matrix(n_mels, n_fft, rate)
    db = 10 * np.log10(np.maximum(mel, 1e-10))
    return np.maximum(db, db.max() - top_db).astype(np.float32)


def normalize_utterance(feats: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Per-utterance normalisation: every band to mean 0 and standard deviation 1 over the clip's frames.
    Removes the recording's loudness and the voice's and microphone's constant colouring."""
    feats = np.asarray(feats, np.float32)
    return (feats - feats.mean(axis=0)) / (feats.std(axis=0) + eps)


def features(audio: list, per_utterance: bool = True, **kw) -> list:
    """log_mel of every clip, optionally normalised per utterance: list of (frames_i, n_mels)."""
    out = [log_mel(a, **kw) for a in audio]
    return [normalize_utterance(f) for f in out] if per_utterance else out


def pad_batch(feats: list, max_frames: int | None = None, stride: int = 1):
    """Stack variable-length (frames_i, F) into (N, T, F) zeros-padded at the end, and lengths (N,).
    `stride` keeps every stride-th frame (averaging stride neighbours); longer clips are cut to max_frames."""
    if stride > 1:
        feats = [f[: len(f) // stride * stride].reshape(-1, stride, f.shape[1]).mean(axis=1) if len(f) >= stride
                 else f for f in feats]
    lengths = np.array([len(f) for f in feats])
    T = int(lengths.max()) if max_frames is None else max_frames
    out = np.zeros((len(feats), T, feats[0].shape[1]), np.float32)
    for i, f in enumerate(feats):
        out[i, : min(T, len(f))] = f[:T]
    return out, np.minimum(lengths, T)


# --------------------------------------------------------------------------------------
# Connected digits: clips of one speaker joined with short pauses
# --------------------------------------------------------------------------------------

def join_digits(clips: Clips, n: int, seed: int = 0, min_digits: int = 3, max_digits: int = 5,
                pause: tuple = (0.05, 0.2), pool=None, noise: float = 0.0):
    """n strings of min_digits..max_digits clips of ONE speaker each, joined with silent pauses.

    pause: (low, high) seconds of silence between clips, drawn uniformly; pool: indices of clips to
    draw from (default all); noise: standard deviation of white noise added. Returns (audio list,
    label list of int arrays, speaker array)."""
    r = np.random.default_rng(seed)
    pool = np.arange(len(clips)) if pool is None else np.asarray(pool)
    by_speaker = {s: pool[clips.speaker[pool] == s] for s in np.unique(clips.speaker[pool])}
    names = sorted(by_speaker)
    audio, labels, speakers = [], [], []
    for _ in range(n):
        s = names[r.integers(len(names))]
        picks = r.choice(by_speaker[s], size=r.integers(min_digits, max_digits + 1))
        gaps = r.uniform(pause[0], pause[1], size=len(picks) + 1)
        parts = [np.zeros(int(gaps[0] * clips.rate), np.float32)]
        for k, i in enumerate(picks):
            parts += [clips.audio[i], np.zeros(int(gaps[k + 1] * clips.rate), np.float32)]
        x = np.concatenate(parts)
        if noise:
            x = x + r.normal(0, noise, len(x)).astype(np.float32)
        audio.append(x)
        labels.append(clips.digit[picks].astype(int))
        speakers.append(s)
    return audio, labels, np.array(speakers)


def join_clips(clips: list, pause: float = 0.1, rate: int = RATE, noise: float = 0.0, seed: int = 0):
    """Given clips (list of arrays) joined with `pause` seconds of silence before, between and after them,
    plus white noise of standard deviation `noise`."""
    gap = np.zeros(int(pause * rate), np.float32)
    parts = [gap]
    for c in clips:
        parts += [np.asarray(c, np.float32), gap]
    x = np.concatenate(parts)
    if noise:
        x = x + np.random.default_rng(seed).normal(0, noise, len(x)).astype(np.float32)
    return x


def digit_strings(clips: Clips, n: int, test: bool, seed: int = 0, **kw):
    """n joined strings for CTC from the official training clips (index 5-49) or the test clips (0-4),
    as normalised log-mel features: (feats list of (frames_i, 32), labels list, audio list)."""
    pool = np.flatnonzero(clips.official_test if test else ~clips.official_test)
    audio, labels, _ = join_digits(clips, n, seed=seed, pool=pool, **kw)
    return features(audio), labels, audio
