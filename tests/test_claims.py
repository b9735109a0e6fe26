"""Numbers the notebooks state, computed: each claim a student can check must come out true."""
import math

import numpy as np
import pytest

from course.data import load_digits, spike_matrix
from solutions import leaky, lif

# ----- leaky_integrators -------------------------------------------------------------------------


@pytest.mark.parametrize("h,covered", [(1.0, 1.0), (0.5, 0.75), (0.1, 0.651), (0.01, 0.634)])
def test_euler_distance_covered_after_one_tau(h, covered):
    tau = 1 / h
    v = leaky.leaky_integrator(np.ones(int(round(tau))), tau)
    assert v[-1] == pytest.approx(covered, abs=5e-4)
    assert 1 - math.exp(-1) == pytest.approx(0.632, abs=5e-4)


def test_no_overshoot_for_h_up_to_1_oscillation_above_and_blow_up_above_2():
    for tau in (1.0, 2.0, 10.0):
        assert np.all(np.diff(leaky.leaky_integrator(np.ones(50), tau)) >= 0)
        assert leaky.leaky_integrator(np.ones(50), tau).max() <= 1
    settling = leaky.leaky_integrator(np.ones(50), 1 / 1.5)       # h = 1.5
    assert settling.max() > 1 and abs(settling[-1] - 1) < 1e-6
    assert abs(leaky.leaky_integrator(np.ones(50), 1 / 2.5)[-1]) > 1e3   # h = 2.5


def test_probe_is_2_5_cycles_over_99_steps():
    x = leaky.cosine_signal(2.5)
    assert x.shape == (100,) and x[0] == 1.0 and abs(x[-1]) < 1e-12   # ends in a trough
    # 2.5 / 99 cycles per step: a sampled cosine of that frequency is the probe.
    k = np.arange(100)
    assert np.allclose(x, (np.cos(2 * np.pi * 2.5 / 99 * k) + 1) / 2)


@pytest.mark.parametrize("ratio,gain", [(1.0, 0.707), (0.5, 0.894), (0.2, 0.981), (5.0, 0.196),
                                        (10.0, 0.0995)])
def test_continuous_low_pass_gains(ratio, gain):
    tau = 200.0       # steps: the Euler filter is then close to the continuous one
    f = ratio / (2 * math.pi * tau)
    assert 1 / math.sqrt(1 + (2 * math.pi * f * tau) ** 2) == pytest.approx(gain, abs=5e-4)
    assert leaky.euler_gain(f, tau) == pytest.approx(gain, rel=0.01)


def test_euler_band_pass_upper_edge_at_tau_fast_2():
    assert leaky.euler_gain(1 / (2 * math.pi * 2), 2.0) == pytest.approx(0.82, abs=5e-3)
    f_edge = math.acos(0.75) / (2 * math.pi)
    assert f_edge == pytest.approx(0.115, abs=5e-4)
    assert leaky.euler_gain(f_edge, 2.0) == pytest.approx(1 / math.sqrt(2), rel=1e-12)


def test_measured_gain_of_the_notebook_matches_the_stated_gains():
    tau, n = 20.0, 4000
    f = np.array([0.5, 1.0]) / (2 * math.pi * tau)
    out = leaky.leaky_integrator(np.sin(2 * np.pi * np.outer(f, np.arange(n))), tau)
    measured = np.abs(out[:, n // 2:]).max(axis=1)
    exact = [leaky.euler_gain(x, tau) for x in f]
    assert np.allclose(measured, exact, rtol=2e-3)
    assert np.allclose(measured, [0.894, 0.707], atol=0.01)


def test_silent_probes_from_2_65_cycles_and_the_window_effect_below_1():
    cycles = np.round(np.arange(0.05, 49.51, 0.05), 2)
    counts = leaky.lif_spike_counts(cycles)
    assert np.all(counts[cycles >= 2.65] == 0), "every probe from 2.65 cycles up is silent"
    assert np.all(counts[(cycles >= 1) & (cycles < 2.65)] > 0), "1 to 2.6 cycles fire"
    assert set(cycles[(counts == 0) & (cycles < 1)]) == {0.8, 0.85, 0.9}
    for c in (0.8, 0.85, 0.9):
        assert "choose 1" in leaky.is_silent_probe(None, c, None)
    assert leaky.is_silent_probe(None, 2.65, None) is None
    assert leaky.is_silent_probe(None, 49.5, None) is None


@pytest.fixture(scope="module")
def digit():
    """The notebook's `digit`: the spoken "three" in 1 ms bins."""
    rec = load_digits()["three"]
    return spike_matrix(rec.times, rec.units, rec.n_channels, dt=1e-3, duration=rec.duration)


def test_notebook_sample_has_700_channels_and_at_most_one_spike_per_bin(digit):
    assert digit.shape[0] == 700 and digit.shape[1] >= 100 and digit.max() == 1


def test_two_spikes_never_fire_the_surface_lif_three_close_ones_do():
    for k in range(1, 200):
        x = np.zeros((1, k + 1))
        x[0, 0] = x[0, k] = 1
        assert leaky.lif_time_surface(x, 20.0, 0.1).sum() == 0
        assert 0.05 * (1 + 0.95 ** k) < 0.1
    v = leaky.leaky_integrator(np.ones(3), 20.0)[-1]
    assert v == pytest.approx(0.05 * (1 + 0.95 + 0.95 ** 2)) and v == pytest.approx(0.143, abs=5e-4)
    assert leaky.lif_time_surface(np.ones((1, 3)), 20.0, 0.1)[0].tolist() == [0, 0, 1]


def test_surface_lif_fires_only_after_three_input_spikes(digit):
    out = leaky.lif_time_surface(digit, 20.0, 0.1)
    assert 0 < out.sum() < digit.sum()
    for c in range(digit.shape[0]):
        last = -1
        for n in np.flatnonzero(out[c]):
            assert digit[c, last + 1:n + 1].sum() >= 3
            last = n


@pytest.mark.parametrize("tau", [1.0, 5.0, 9.99, 10.0])
def test_surface_lif_copies_the_input_for_tau_up_to_10(digit, tau):
    assert np.array_equal(leaky.lif_time_surface(digit, tau, 0.1), (digit > 0).astype(float))


def test_surface_lif_does_not_copy_above_10(digit):
    assert not np.array_equal(leaky.lif_time_surface(digit, 10.5, 0.1), (digit > 0).astype(float))


# ----- lif_neuron --------------------------------------------------------------------------------

def test_noisy_current_samples_sd_and_negative_fraction():
    a = 0.1 * math.sqrt(lif.T_MAX / lif.DT)
    assert a == pytest.approx(3.87, abs=5e-3)
    assert a / math.sqrt(3) == pytest.approx(2.2, abs=0.05)         # SD in units of I_mean
    assert (1 - 1 / a) / 2 == pytest.approx(0.37, abs=5e-3)         # P(I < 0)
    current = lif.noisy_current(200_000, lif.I_MEAN, lif.T_MAX, lif.DT, np.random.default_rng(0))
    assert current.std() / lif.I_MEAN == pytest.approx(a / math.sqrt(3), rel=0.01)
    assert np.mean(current < 0) == pytest.approx(0.371, abs=0.005)


def _stationary_variance(dt, t_max=lif.T_MAX):
    h = dt / lif.TAU_M
    a = 0.1 * math.sqrt(t_max / dt)
    return (h * lif.R_M * lif.I_MEAN * a) ** 2 / 3 / (1 - (1 - h) ** 2)


def test_free_membrane_variance_depends_on_dt_only_through_2_over_2_minus_h():
    fine, coarse = _stationary_variance(1e-4), _stationary_variance(1e-3)
    assert fine * 1e6 == pytest.approx(7.83, abs=5e-3)
    assert math.sqrt(fine) * 1e3 == pytest.approx(2.8, abs=0.05)
    assert coarse * 1e6 == pytest.approx(8.01, abs=5e-3)
    assert coarse / fine == pytest.approx((2 - 0.005) / (2 - 0.05))
    assert coarse / fine - 1 == pytest.approx(0.023, abs=5e-4)
    assert _stationary_variance(1e-4, t_max=0.3) == pytest.approx(2 * fine)


def test_refractory_period_lengthens_the_interval_from_17_to_27_ms():
    current = np.full(3000, lif.I_MEAN)
    _, plain = lif.simulate_lif(current, lif.DT)
    _, held = lif.simulate_lif_refractory(current, lif.DT, lif.T_REF)
    assert np.allclose(np.diff(plain), 0.017) and np.allclose(np.diff(held), 0.027)


def test_campbell_variance_error_bar_is_8_percent_above_the_gaussian_one():
    jump, rate, tau_s, n = 0.05 / 0.1, 30.0, 0.1, 500
    var = jump ** 2 * rate * tau_s / 2
    kappa4 = jump ** 4 * rate * tau_s / 4
    right = math.sqrt(kappa4 / n + 2 * var ** 2 / (n - 1))
    gaussian = var * math.sqrt(2 / (n - 1))
    assert right / gaussian == pytest.approx(1.08, abs=5e-3)
    assert right / var == pytest.approx(0.068, abs=5e-4) and gaussian / var == pytest.approx(0.063, abs=5e-4)
    # kappa4 against simulated shot noise (stationary Euler process, many samples)
    rng = np.random.default_rng(0)
    counts = rng.poisson(rate * 1e-3, size=(50_000, 700))
    s = np.zeros(50_000)
    for k in range(700):
        s = s - 1e-3 / tau_s * s + jump * counts[:, k]
    centred = s - s.mean()
    k4 = np.mean(centred ** 4) - 3 * np.mean(centred ** 2) ** 2
    assert k4 == pytest.approx(kappa4, rel=0.15)
