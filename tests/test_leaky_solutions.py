"""solutions.leaky against closed forms: Euler solution, LIF period and rate, filter gains."""
import math

import numpy as np
import pytest

from solutions import leaky


@pytest.mark.parametrize("tau,dt,v0,level", [(10.0, 1.0, 0.0, 1.0), (3.0, 0.5, 2.0, -1.0)])
def test_integrator_matches_euler_closed_form(tau, dt, v0, level):
    h = dt / tau
    n = np.arange(1, 201)
    expected = level + (v0 - level) * (1 - h) ** n
    out = leaky.leaky_integrator(np.full(200, level), tau, dt, v0)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_integrator_approaches_exponential_for_small_steps():
    tau, t_end = 20.0, 60.0
    for dt, tol in ((0.1, 5e-3), (0.01, 5e-4)):
        out = leaky.leaky_integrator(np.ones(int(t_end / dt)), tau, dt)
        assert abs(out[-1] - (1 - math.exp(-t_end / tau))) < tol


def test_channels_are_independent():
    x = np.random.default_rng(0).normal(size=(3, 50))
    both = leaky.leaky_integrator(x, 4.0)
    for c in range(3):
        np.testing.assert_allclose(both[c], leaky.leaky_integrator(x[c], 4.0))


def test_bad_time_constant_is_rejected():
    with pytest.raises(ValueError, match="positive"):
        leaky.leaky_integrator(np.ones(3), 0.0)


@pytest.mark.parametrize("level,tau,threshold", [(2.0, 5.0, 1.0), (1.3, 10.0, 1.0), (0.9, 4.0, 0.5)])
def test_lif_period_matches_discrete_closed_form(level, tau, threshold):
    # From reset 0, v_n = I (1 - (1-h)^n) after n steps: the first n with v_n >= threshold.
    h = 1 / tau
    period = math.ceil(math.log(1 - threshold / level) / math.log(1 - h))
    spikes, membrane = leaky.leaky_integrate_and_fire(np.full(500, level), tau, threshold)
    times = np.flatnonzero(spikes)
    assert times[0] == period - 1
    assert set(np.diff(times)) == {period}
    assert membrane.max() < threshold


def test_lif_rate_converges_to_continuous_rate():
    level, tau, threshold = 1.5, 20.0, 1.0          # ms
    exact_period = tau * math.log(level / (level - threshold))
    for dt in (0.1, 0.01):
        spikes, _ = leaky.leaky_integrate_and_fire(np.full(int(2000 / dt), level), tau,
                                                   threshold, dt)
        period = np.diff(np.flatnonzero(spikes)).mean() * dt
        assert abs(period - exact_period) <= 1.01 * dt   # at most one step late


def test_lif_below_threshold_is_silent():
    spikes, _ = leaky.leaky_integrate_and_fire(np.full(1000, 0.99), 5.0, 1.0)
    assert spikes.sum() == 0


def _steady_gain(fn, freq, n=6000):
    out = fn(np.sin(2 * np.pi * freq * np.arange(n)))
    return np.abs(out[n // 2:]).max()


@pytest.mark.parametrize("freq", [0.001, 0.01, 0.05, 0.2])
def test_low_pass_gain_matches_euler_transfer_function(freq):
    measured = _steady_gain(lambda x: leaky.leaky_integrator(x, 20.0), freq)
    assert measured == pytest.approx(leaky.euler_gain(freq, 20.0), rel=0.02)


def test_euler_gain_approaches_continuous_low_pass():
    tau, f = 20.0, 0.01
    continuous = 1 / math.sqrt(1 + (2 * math.pi * f * tau) ** 2)
    assert leaky.euler_gain(f, tau, dt=0.01) == pytest.approx(continuous, rel=1e-3)


def test_high_pass_removes_slow_and_keeps_fast():
    slow = _steady_gain(lambda x: leaky.high_pass(x, 20.0), 0.0005)
    fast = _steady_gain(lambda x: leaky.high_pass(x, 20.0), 0.2)
    assert slow < 0.1 < 0.9 < fast
    assert abs(leaky.high_pass(np.ones(500), 20.0)[-1]) < 1e-9


def test_band_pass_equals_difference_of_low_passes_and_peaks_in_band():
    x = np.random.default_rng(1).normal(size=400)
    np.testing.assert_allclose(leaky.band_pass(x, 2.0, 50.0),
                               leaky.leaky_integrator(x, 2.0) - leaky.leaky_integrator(x, 50.0),
                               atol=1e-12)
    gains = [_steady_gain(lambda s: leaky.band_pass(s, 2.0, 50.0), f)
             for f in (0.0005, 0.02, 0.3)]
    assert gains[1] > 2 * gains[0] and gains[1] > 2 * gains[2]
    with pytest.raises(ValueError):
        leaky.band_pass(x, 50.0, 2.0)


def test_probe_lif_is_low_pass_and_silent_choice_is_silent():
    counts = leaky.lif_spike_counts([1.0, 2.5, 20.0, 40.0])
    assert counts[0] > 0 and counts[1] > 0 and counts[2] == 0 and counts[3] == 0
    assert leaky.is_silent_probe(None, leaky.SILENT_CYCLES, None) is None
    assert "still fires" in leaky.is_silent_probe(None, 2.5, None)
    assert "alias" in leaky.is_silent_probe(None, 99.0, None)
