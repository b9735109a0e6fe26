"""Tests of the shipped SHD-like sample (course.data) and its generator (course.shd_synth)."""

import dataclasses
import math

import numpy as np
import pytest

from course import shd_synth
from course.data import SpikeRecording, load_digit, load_digit_matrix, spike_matrix

# --------------------------------------------------------------------------
# The shipped file
# --------------------------------------------------------------------------


def test_shipped_file_is_small():
    assert shd_synth.DATA_FILE.is_file()
    assert shd_synth.DATA_FILE.stat().st_size < 2 * 1024 * 1024


def test_load_digit_shapes_and_ranges():
    rec = load_digit()
    assert isinstance(rec, SpikeRecording)
    assert rec.n_channels == 700
    assert rec.label == shd_synth.DEFAULT_WORD
    assert 0.6 <= rec.duration <= 0.9
    assert rec.times.ndim == 1 and rec.times.shape == rec.units.shape
    assert 2_000 <= rec.times.size <= 20_000
    assert np.all(rec.times >= 0) and np.all(rec.times <= rec.duration)
    assert np.all(np.diff(rec.times) >= 0), "spike times must be sorted"
    assert np.issubdtype(rec.units.dtype, np.integer)
    assert rec.units.min() >= 0 and rec.units.max() < rec.n_channels


def test_recording_is_frozen():
    rec = load_digit()
    with pytest.raises(dataclasses.FrozenInstanceError):
        rec.label = "four"


def test_load_digit_matrix():
    rec = load_digit()
    counts = load_digit_matrix(dt=2e-3)
    assert counts.shape == (700, math.ceil(rec.duration / 2e-3))
    assert counts.sum() == rec.times.size
    assert counts.min() >= 0


# --------------------------------------------------------------------------
# spike_matrix
# --------------------------------------------------------------------------


def test_spike_matrix_hand_made_example():
    times = [0.0, 0.0015, 0.0015, 0.009, 0.0099]
    units = [0, 2, 2, 1, 1]
    counts = spike_matrix(times, units, n_channels=3, dt=1e-3, duration=0.01)
    expected = np.zeros((3, 10))
    expected[0, 0] = 1  # t = 0 s -> bin 0
    expected[2, 1] = 2  # two spikes at 1.5 ms -> bin 1
    expected[1, 9] = 2  # 9 ms (on a bin edge) and 9.9 ms -> bin 9
    np.testing.assert_array_equal(counts, expected)
    assert counts.dtype == float


def test_spike_matrix_counts_and_lengths():
    rng = np.random.default_rng(0)
    times = np.sort(rng.uniform(0, 0.5, 1000))
    units = rng.integers(0, 20, 1000)
    counts = spike_matrix(times, units, 20, dt=1e-3, duration=0.5)
    assert counts.shape == (20, 500)
    assert counts.sum() == 1000
    np.testing.assert_array_equal(counts.sum(axis=1), np.bincount(units, minlength=20))
    # Without a duration the matrix just covers the last spike.
    assert spike_matrix(times, units, 20).shape == (20, int(times.max() / 1e-3) + 1)
    # A spike exactly at the end of the recording goes into the last bin.
    assert spike_matrix([0.5], [3], 20, duration=0.5)[3, -1] == 1
    # No spikes at all.
    assert spike_matrix([], [], 4, duration=0.01).shape == (4, 10)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(times=[-0.001, 0.1], units=[0, 1]), "times must be >= 0"),
        (dict(times=[0.1], units=[5]), "units must lie in 0..4"),
        (dict(times=[0.1], units=[-1]), "units must lie in 0..4"),
        (dict(times=[0.1], units=[1.5]), "integer"),
        (dict(times=[0.1, 0.2], units=[1]), "same length"),
        (dict(times=[0.1], units=[1], dt=0), "dt must be a positive"),
        (dict(times=[0.1], units=[1], dt=-1e-3), "dt must be a positive"),
        (dict(times=[0.1], units=[1], duration=0.05), "later than duration"),
    ],
)
def test_spike_matrix_rejects_bad_input(kwargs, message):
    args = dict(n_channels=5) | kwargs
    with pytest.raises(ValueError, match=message):
        spike_matrix(**args)


# --------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------


def _tone_response(freq, sample_rate=16000, duration=0.25):
    """Steady-state amplitude (shape (700,)) of each channel for a unit sine."""
    t = np.arange(int(duration * sample_rate)) / sample_rate
    out = shd_synth.gammatone_filterbank(np.sin(2 * np.pi * freq * t), sample_rate)
    steady = out[:, t.size // 2:]
    return np.sqrt(2 * np.mean(steady**2, axis=1))


def test_filterbank_centre_frequencies_are_erb_spaced():
    fc = shd_synth.erb_space(50.0, 8000.0, 700)
    assert fc.shape == (700,)
    assert fc[0] == pytest.approx(50.0) and fc[-1] == pytest.approx(8000.0)
    erb_number = 21.4 * np.log10(4.37 * fc / 1000 + 1)
    np.testing.assert_allclose(np.diff(erb_number), np.diff(erb_number)[0])
    assert shd_synth.erb(1000.0) == pytest.approx(24.7 * (4.37 + 1))


@pytest.mark.parametrize("freq", [300.0, 1000.0, 2500.0, 5000.0, "between"])
def test_filterbank_pure_tone_peaks_in_nearest_channel(freq):
    fc = shd_synth.erb_space()
    if freq == "between":  # off-centre: 30 % of the way from channel 400 to 401
        freq = fc[400] + 0.3 * (fc[401] - fc[400])
    amplitude = _tone_response(freq)
    assert np.argmax(amplitude) == np.argmin(np.abs(fc - freq))
    # Each filter has unit gain at its centre frequency.
    assert amplitude.max() == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize(
    "current, tau, threshold, refractory",
    [(1.0, 0.005, 0.35, 0.002), (0.5, 0.01, 0.35, 0.0), (2.0, 0.02, 1.0, 0.003)],
)
def test_lif_constant_drive_matches_analytic_rate(current, tau, threshold, refractory):
    sample_rate = 16000
    dt = 1 / sample_rate
    drive = np.ones((2, sample_rate))  # 1 s of constant drive, 2 channels
    times, units = shd_synth.lif_encode(
        drive, sample_rate, tau=tau, threshold=threshold, refractory=refractory, gain=current
    )
    period = tau * np.log(current / (current - threshold)) + refractory
    for unit in (0, 1):
        isi = np.diff(times[units == unit])
        assert isi.size > 10
        assert np.all(np.abs(isi - period) <= dt + 1e-12)
    # The first spike comes after the integration time, without refractoriness.
    assert abs(times[0] - (period - refractory)) <= dt + 1e-12


def test_lif_subthreshold_drive_is_silent_and_output_sorted():
    times, units = shd_synth.lif_encode(np.ones((3, 1000)), 16000, threshold=1.5)
    assert times.size == 0 and units.size == 0
    rng = np.random.default_rng(1)
    times, units = shd_synth.lif_encode(rng.standard_normal((50, 4000)), 16000)
    assert times.size > 0
    order = np.lexsort((units, times))
    np.testing.assert_array_equal(order, np.arange(times.size))


def test_synth_digit_is_a_short_bounded_waveform():
    for word in ("zero", "one", "two", "three"):
        sound = shd_synth.synth_digit(word, 16000, np.random.default_rng(3))
        assert sound.ndim == 1 and 0.6 <= sound.size / 16000 <= 0.9
        assert np.all(np.isfinite(sound)) and np.abs(sound).max() == pytest.approx(0.9)
    with pytest.raises(ValueError, match="unknown word"):
        shd_synth.synth_digit("eleven")


def test_same_seed_gives_identical_sample():
    # Fewer channels keep this fast; the pipeline is the same.
    a = shd_synth.make_sample("two", seed=5, n_channels=64)
    b = shd_synth.make_sample("two", seed=5, n_channels=64)
    c = shd_synth.make_sample("two", seed=6, n_channels=64)
    for key in ("times", "units"):
        np.testing.assert_array_equal(a[key], b[key])
    assert a["times"].dtype == np.float32 and a["units"].dtype == np.uint16
    assert (a["label"], a["n_channels"], a["duration"]) == ("two", 64, b["duration"])
    assert a["times"].size != c["times"].size or not np.array_equal(a["times"], c["times"])


def test_shipped_file_matches_generator(tmp_path):
    """The shipped file is what `python -m course.shd_synth` writes (about 2 s).

    Another numpy/scipy build may round the last bits differently and move a spike by a bin, so
    the comparison allows 1 % of the spikes to differ instead of requiring identical bytes.
    """
    path = tmp_path / "digit.npz"
    shd_synth.main(path)
    with np.load(path) as fresh, np.load(shd_synth.DATA_FILE) as shipped:
        assert str(fresh["label"]) == str(shipped["label"])
        n_fresh, n_shipped = fresh["times"].size, shipped["times"].size
        assert abs(n_fresh - n_shipped) <= 0.01 * n_shipped, (
            "course/data/shd_like_digit.npz is stale: run `python -m course.shd_synth`")
        per_channel = [np.bincount(f["units"], minlength=700) for f in (fresh, shipped)]
        assert np.abs(per_channel[0] - per_channel[1]).sum() <= 0.02 * n_shipped
