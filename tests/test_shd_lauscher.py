"""The shipped spoken digits made with lauscher, the SHD authors' conversion chain.

What a student relies on: 700 channels, the recording's duration, SHD's channel order (channel 0
is the highest frequency) and spike trains as irregular as the real pipeline's (ISI CV near 1,
where the course's older LIF-encoded sample has about 0.3). Regenerating needs the `[data]`
extra; those tests are skipped without it.
"""
import importlib.util

import numpy as np
import pytest

from course import shd_lauscher
from course.data import load_digit, load_digits, spike_matrix

HAVE_LAUSCHER = importlib.util.find_spec("lauscher") is not None


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def isi_cv(recording, min_spikes=5):
    """Median over channels (with at least `min_spikes` spikes) of std(ISI) / mean(ISI)."""
    cvs = []
    for channel in np.unique(recording.units):
        times = np.sort(recording.times[recording.units == channel])
        if times.size >= min_spikes:
            isi = np.diff(times)
            cvs.append(isi.std() / isi.mean())
    return float(np.median(cvs))


def test_file_is_small_and_holds_a_few_digits(digits):
    assert shd_lauscher.DATA_FILE.stat().st_size < 2 * 1024 * 1024
    assert list(digits) == list(shd_lauscher.WORDS) and len(digits) >= 2


def test_700_channels_and_duration(digits):
    for word, rec in digits.items():
        assert rec.n_channels == 700 and rec.label == word
        assert 0.4 < rec.duration < 1.4                      # SHD digits last up to ~1.4 s
        assert rec.units.min() >= 0 and rec.units.max() < 700
        assert np.all(np.diff(rec.times) >= 0) and rec.times.min() >= 0
        assert rec.times.max() <= rec.duration
        assert np.unique(rec.units).size > 300, "most channels take part"
        counts = spike_matrix(rec.times, rec.units, 700, dt=1e-3, duration=rec.duration)
        assert counts.max() == 1, "bushy cells' 1 ms refractory period: one spike per 1 ms bin"


def test_channel_order_is_shds_high_to_low(digits):
    # Voiced speech has most of its energy below ~1 kHz: in SHD's order those are high indices.
    for rec in digits.values():
        assert np.median(rec.units) > 350


@pytest.mark.skipif(not HAVE_LAUSCHER, reason="needs the [data] extra (lauscher)")
def test_lauschers_basilar_membrane_runs_from_high_to_low_frequency():
    from lauscher.transformations.basilar_membrane import BasilarMembrane
    bm = BasilarMembrane(channels=700)
    best = np.sqrt(bm._s(bm.ch) / bm.m) / (2 * np.pi)     # resonance of each position (Hz)
    assert np.all(np.diff(best) < 0)
    assert best[0] > 10_000 and best[-1] < 200


def test_trains_are_as_irregular_as_the_real_pipeline(digits):
    for rec in digits.values():
        assert 0.7 <= isi_cv(rec) <= 1.5
    assert isi_cv(load_digit()) < 0.35, "the older LIF-encoded sample is much more regular"


@pytest.mark.skipif(not HAVE_LAUSCHER, reason="needs the [data] extra (lauscher)")
def test_conversion_is_reproducible_bit_for_bit():
    one = shd_lauscher.digit_spikes("three", seed=5, n_channels=40, seconds=0.08, start=0.3,
                                    jobs=1)
    two = shd_lauscher.digit_spikes("three", seed=5, n_channels=40, seconds=0.08, start=0.3,
                                    jobs=1)
    assert one["samples"].size > 0
    assert np.array_equal(one["samples"], two["samples"])
    assert np.array_equal(one["units"], two["units"])
    other = shd_lauscher.digit_spikes("three", seed=6, n_channels=40, seconds=0.08, start=0.3,
                                    jobs=1)
    assert not np.array_equal(one["samples"], other["samples"])


def test_saved_file_is_deterministic(tmp_path):
    arrays = {"x": np.arange(5, dtype=np.uint32)}
    shd_lauscher.save_npz(tmp_path / "a.npz", arrays)
    shd_lauscher.save_npz(tmp_path / "b.npz", arrays)
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
