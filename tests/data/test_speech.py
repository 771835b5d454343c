"""The shipped FSDD clips, the WAV loader's errors, and the numpy features (equal to Keras' MelSpectrogram)."""
import wave

import numpy as np
import pytest

from rnnlab.data import speech as sp


@pytest.fixture(scope="module")
def clips():
    return sp.load_fsdd()


def test_shipped_clips_keep_digit_speaker_and_index(clips):
    assert len(clips) == 3000 and clips.rate == 8000
    assert clips.speakers == sp.SPEAKERS
    for k in range(6):
        for d in range(10):
            idx = np.sort(clips.index[(clips.speaker == k) & (clips.digit == d)])
            assert np.array_equal(idx, np.arange(50))
    assert clips.official_test.sum() == 300
    assert all(a.dtype == np.float32 and np.abs(a).max() <= 1 for a in clips.audio[:50])


def test_shipped_file_is_small():
    assert sp.FSDD_FILE.stat().st_size < 9e6


def test_mulaw_round_trip_is_close_for_quiet_and_loud_samples():
    x = np.concatenate([np.linspace(-1, 1, 2001), 0.001 * np.linspace(-1, 1, 201)])
    y = sp.mulaw_decode(sp.mulaw_encode(x))
    assert sp.mulaw_encode(x).dtype == np.uint8
    assert np.all(np.abs(y - x) <= 0.03 * np.abs(x) + 2e-4)     # relative steps: quiet samples stay precise


def test_pack_then_load_gives_the_wav_samples_back(tmp_path):
    r = np.random.default_rng(0)
    for name in ["3_theo_7.wav", "0_george_0.wav"]:
        sp.save_wav(tmp_path / name, 0.3 * np.sin(np.arange(800) / 7) + 0.01 * r.normal(size=800))
    out = sp.pack_fsdd(tmp_path, tmp_path / "packed.npz")
    c = sp.load_fsdd(out)
    assert list(c.digit) == [0, 3] and [c.speakers[s] for s in c.speaker] == ["george", "theo"]
    assert list(c.index) == [0, 7]
    original = sp.load_wav(tmp_path / "3_theo_7.wav")
    assert np.abs(c.audio[1] - original).max() < 0.01


def test_own_wav_loads_as_floats(tmp_path):
    x = 0.5 * np.sin(np.arange(4000) / 5)
    got = sp.load_wav(sp.save_wav(tmp_path / "me.wav", x))
    assert got.dtype == np.float32 and got.shape == (4000,) and np.abs(got - x).max() < 1e-4


def write(path, channels=1, rate=8000, width=2, frames=100):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(b"\0" * width * channels * frames)
    return path


@pytest.mark.parametrize("make, match", [
    (lambda p: write(p, channels=2), r"2 channels \(stereo\); expected 1 \(mono\)"),
    (lambda p: write(p, rate=44100), r"44100 Hz; expected 8000 Hz"),
    (lambda p: write(p, width=1), r"8-bit samples; expected 16-bit"),
    (lambda p: write(p, frames=0), "holds no samples"),
    (lambda p: p.write_bytes(b"") and p, r"empty \(0 bytes\)"),
    (lambda p: p.write_text("hello, not audio") and p, "not a WAV file"),
])
def test_bad_wav_files_get_a_clear_error(tmp_path, make, match):
    path = tmp_path / "bad.wav"
    make(path)
    with pytest.raises(ValueError, match=match):
        sp.load_wav(path)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        sp.load_wav(tmp_path / "nothing.wav")


def test_log_mel_matches_keras_mel_spectrogram(keras, clips):
    layer = keras.layers.MelSpectrogram(fft_length=256, sequence_length=256, sequence_stride=80, sampling_rate=8000,
                                        num_mel_bins=32, min_freq=20.0, max_freq=4000.0)
    for i in (0, 1234, 2999):
        x = clips.audio[i]
        theirs = keras.ops.convert_to_numpy(layer(x[None]))[0].T
        assert np.abs(theirs - sp.log_mel(x)).max() < 0.01


def test_power_spectrogram_matches_keras_stft(keras, clips):
    x = clips.audio[10]
    real, imag = keras.ops.stft(x, 256, 80, 256, window="hann", center=True)
    power = keras.ops.convert_to_numpy(real) ** 2 + keras.ops.convert_to_numpy(imag) ** 2
    assert np.abs(power - sp.power_spectrogram(x)).max() < 1e-5 * power.max()


def test_normalised_features_have_zero_mean_and_unit_std_per_band(clips):
    f = sp.normalize_utterance(sp.log_mel(clips.audio[5]))
    assert np.allclose(f.mean(0), 0, atol=1e-4) and np.allclose(f.std(0), 1, atol=1e-3)


def test_pad_batch_pads_at_the_end_and_averages_strides():
    feats = [np.ones((6, 2)), 2 * np.ones((3, 2))]
    X, L = sp.pad_batch(feats, stride=2)
    assert X.shape == (2, 3, 2) and list(L) == [3, 1]
    assert np.all(X[1, 0] == 2) and np.all(X[1, 1:] == 0)
    X, L = sp.pad_batch(feats, max_frames=2)
    assert X.shape == (2, 2, 2) and list(L) == [2, 2]


def test_joined_strings_use_one_speaker_and_the_asked_split(clips):
    audio, labels, speakers = sp.join_digits(clips, 20, seed=0, pool=np.flatnonzero(clips.official_test))
    assert all(3 <= len(lab) <= 5 for lab in labels) and len(audio) == 20
    feats, labels2, _ = sp.digit_strings(clips, 5, test=True, seed=0)
    assert all(f.shape[1] == 32 for f in feats)
    a, b, _ = sp.digit_strings(clips, 3, test=False, seed=4)
    a2, b2, _ = sp.digit_strings(clips, 6, test=False, seed=4)
    assert all(np.array_equal(x, y) for x, y in zip(b, b2[:3]))           # more strings extend, not reshuffle


def test_join_clips_adds_the_pauses():
    x = sp.join_clips([np.ones(100, np.float32), np.ones(50, np.float32)], pause=0.01)
    assert len(x) == 150 + 3 * 80
