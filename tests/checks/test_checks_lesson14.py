"""Lesson 14 (hybrids): checks name each planted mistake; clips, melodies and audio behave."""
import numpy as np
import pytest

from rnnlab import checks
from rnnlab.data import music
from rnnlab.viz import plots
from rnnlab.data import video

from mistakes import assert_hint_names, planted


def sampler(temper=lambda p, T: p ** (1 / T), seeded=True, prefix=lambda notes: notes, greedy=False, as_float=False):
    def sample_melody(next_probs, length, temperature, seed):
        rng = np.random.default_rng(seed if seeded else None)
        notes = []
        for _ in range(length):
            p = np.asarray(next_probs(prefix(list(notes))), dtype=float)
            q = temper(p, temperature)
            q = q / q.sum()
            notes.append(int(np.argmax(q)) if greedy else int(rng.choice(len(q), p=q)))
        return np.array(notes, dtype=float if as_float else int)
    return sample_melody


SAMPLE_MISTAKES = {
    "temperature backwards": (sampler(temper=lambda p, T: p ** T), "backwards"),
    "temperature ignored": (sampler(temper=lambda p, T: p), "no effect"),
    "not seeded": (sampler(seeded=False), "not np.random"),
    "greedy": (sampler(greedy=True), "greedy"),
    "always an empty prefix": (sampler(prefix=lambda notes: []), "notes chosen so far"),
    "floats": (sampler(as_float=True), "integers"),
    "seed ignored": (lambda f, n, T, seed: sampler()(f, n, T, 0), "seeds 7 and 8"),
    "one note short": (lambda f, n, T, seed: sampler()(f, n - 1, T, seed), "one note per step"),
    "returns probabilities": (lambda f, n, T, seed: np.stack([f([]) for _ in range(n)]), "shape"),
}


@pytest.mark.parametrize("wrong, phrase", planted(SAMPLE_MISTAKES))
def test_sample_melody_check_names_the_mistake(wrong, phrase):
    assert_hint_names("14.2", wrong, phrase)


def test_sample_melody_check_accepts_the_log_form():
    def sample_melody(next_probs, length, temperature, seed):
        rng = np.random.default_rng(seed)
        notes = []
        for _ in range(length):
            z = np.log(np.asarray(next_probs(notes)) + 1e-12) / temperature
            q = np.exp(z - z.max())
            notes.append(int(rng.choice(len(q), p=q / q.sum())))
        return np.array(notes)
    assert checks.evaluate("14.2", sample_melody).passed


def video_model_with(keras, conv_wrapped=True, flatten_wrapped=True, units=32, filters=8, activation="softmax",
                     classes=None, rnn="LSTM", return_sequences=False, extra=False, with_input=True, fixed_input=False):
    L = keras.layers

    def build_video_model(frames, size, n_classes):
        conv = L.Conv2D(filters, 3, activation="relu")
        layers = ([keras.Input((6, 12, 12, 1) if fixed_input else (frames, size, size, 1))] if with_input else [])
        layers += [L.TimeDistributed(conv) if conv_wrapped else conv, L.TimeDistributed(L.MaxPooling2D(2))]
        layers += [L.TimeDistributed(L.Flatten()) if flatten_wrapped else L.Flatten()]
        if extra:
            layers += [L.TimeDistributed(L.Dense(16))]
        layers += [getattr(L, rnn)(units, return_sequences=return_sequences)]
        layers += [L.Dense(classes or n_classes, activation=activation)]
        return keras.Sequential(layers)
    return build_video_model


VIDEO_MISTAKES = {
    "plain Conv2D": (dict(conv_wrapped=False), "wrap it"),
    "plain Flatten": (dict(flatten_wrapped=False), "lose the time axis"),
    "GRU instead of LSTM": (dict(rnn="GRU"), "expected LSTM"),
    "64 units": (dict(units=64), "32"),
    "16 filters": (dict(filters=16), "16 filters"),
    "no softmax": (dict(activation=None), "softmax"),
    "fixed number of classes": (dict(classes=4), "n_classes = 3"),
    "return_sequences": (dict(return_sequences=True), "return_sequences"),
    "an extra layer": (dict(extra=True), "expected LSTM"),
    "no input": (dict(with_input=False), "keras.Input"),
    "fixed input shape": (dict(fixed_input=True), "with the arguments"),
}


@pytest.mark.parametrize("kwargs, phrase", planted(VIDEO_MISTAKES))
def test_build_video_model_check_names_the_mistake(keras, kwargs, phrase):
    assert_hint_names("14.1", video_model_with(keras, **kwargs), phrase)


def test_build_video_model_check_accepts_a_functional_model(keras):
    L = keras.layers

    def build_video_model(frames, size, n_classes):
        x = keras.Input((frames, size, size, 1))
        h = L.TimeDistributed(L.Conv2D(8, (3, 3), activation="relu"))(x)
        h = L.TimeDistributed(L.MaxPooling2D((2, 2)))(h)
        h = L.TimeDistributed(L.Flatten())(h)
        return keras.Model(x, L.Dense(n_classes, activation="softmax")(L.LSTM(32)(h)))
    assert checks.evaluate("14.1", build_video_model).passed


# ---------------------------------------------------------------- generators

def test_moving_shapes_move_one_pixel_per_frame_in_the_labelled_direction():
    clips, labels = video.moving_shapes(60, frames=6, size=12, noise=0.0, seed=3)
    assert clips.shape == (60, 6, 12, 12, 1) and clips.dtype == np.float32 and labels.shape == (60,)
    moves = {0: (0, 1), 1: (0, -1), 2: (1, 0), 3: (-1, 0)}
    for clip, label in zip(clips[..., 0], labels):
        moving = clip == 1.0                         # the moving shape is drawn at 1, the still one at 0.6
        rows, cols = [], []
        for frame in moving:
            r, c = np.nonzero(frame)
            rows.append(r.mean()); cols.append(c.mean())
        dr, dc = moves[int(label)]
        assert np.allclose(np.diff(rows), dr) and np.allclose(np.diff(cols), dc)


def test_moving_shapes_are_seeded_and_balanced():
    a, la = video.moving_shapes(400, seed=1)
    b, lb = video.moving_shapes(400, seed=1)
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert np.bincount(la, minlength=4).min() > 70
    with pytest.raises(ValueError, match="too small"):
        video.moving_shapes(2, frames=10, size=12)


def test_melody_corpus_follows_its_plan():
    m = music.melody_corpus(300, seed=2)
    assert m.shape == (300, 16) and m.min() >= 0 and m.max() < music.N_DEGREES
    stats = music.melody_stats(m)
    assert stats["repeat"] == 1.0 and stats["tonic"] == 1.0 and stats["step"] == 1.0
    assert stats["sequence"] > 0.95
    assert np.array_equal(m, music.melody_corpus(300, seed=2))
    noise = np.random.default_rng(0).integers(0, music.N_DEGREES, (300, 16))
    assert music.melody_stats(noise)["repeat"] < 0.01


def test_scale_and_names():
    assert music.MIDI[0] == 60 and music.MIDI[7] == 72 and music.MIDI[14] == 84
    assert music.NAMES[:8] == ["C4", "D4", "E4", "F4", "G4", "A4", "B4", "C5"]


def test_synthesize_plays_the_right_pitches():
    rate, bpm = 8000, 120
    wave = music.synthesize(np.array([5, 9]), bpm=bpm, rate=rate)     # A4 (440 Hz), E5 (659 Hz)
    beat = rate * 60 // bpm
    assert wave.shape == (2 * beat,) and wave.dtype == np.float32 and np.abs(wave).max() <= 0.8 + 1e-6
    for k, f in enumerate([440.0, 659.26]):
        spectrum = np.abs(np.fft.rfft(wave[k * beat:(k + 1) * beat]))
        peak = np.argmax(spectrum) * rate / beat
        assert abs(peak - f) < 3, (peak, f)
    with pytest.raises(ValueError, match=r"\(T,\)"):
        music.synthesize(np.zeros((2, 2), dtype=int))


def test_piano_roll_draws_one_cell_per_note():
    import matplotlib
    matplotlib.use("Agg")
    ax = plots.piano_roll(np.array([0, 2, 4, 7]))
    image = ax.get_images()[0].get_array()
    assert image.shape == (music.N_DEGREES, 4) and image.sum() == 4 and image[7, 3] == 1


def test_reference_sampler_follows_the_temperature():
    p = np.array([0.6, 0.3, 0.1])
    for T, expected in [(1.0, p), (0.5, p ** 2 / np.sum(p ** 2))]:
        notes = music.sample_melody(lambda notes: p, 4000, T, seed=0)
        assert np.allclose(np.bincount(notes, minlength=3) / 4000, expected, atol=0.03)
