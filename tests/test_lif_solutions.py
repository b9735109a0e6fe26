"""The `lif_neuron` reference (solutions/lif.py) and helpers (course.spikes, course.plotting)
checked against closed forms, derived error bounds and statistics with fixed seeds."""
import math
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from course.plotting import plot_fi_curve, plot_membrane, raster_plot  # noqa: E402
from course.spikes import (InputNeuron, as_spike_dict, firing_rates,  # noqa: E402
                           generate_spike_train, poisson_counts, raster_to_dict)
from solutions import lif  # noqa: E402
from solutions.lif import LIFNeuron, LIFPopulation  # noqa: E402


def constant_drive_neuron(current, dt, n_steps, tau_m=0.02, tau_ref=0.002):
    neuron = LIFNeuron(tau_m=tau_m, tau_s=math.inf, tau_ref=tau_ref)
    neuron.s = current
    for _ in range(n_steps):
        neuron.step(dt)
    return neuron


# ----- part 1: Euler's closed form for the free membrane ----------------------------------------

def test_simulate_lif_below_threshold_is_eulers_closed_form():
    current = 1e-10                      # R I = 10 mV: V approaches -50 mV, below V_th = -45 mV
    v, spikes = lif.simulate_lif(np.full(1500, current), lif.DT, v_th=-0.045)
    h = lif.DT / lif.TAU_M
    k = np.arange(1500)
    np.testing.assert_allclose(v, lif.E_L + lif.R_M * current * (1 - (1 - h) ** k), rtol=1e-12)
    assert spikes.shape == (0,)


def test_simulate_lif_first_spike_and_reset():
    v, spikes = lif.simulate_lif(np.full(1500, lif.I_MEAN), lif.DT)
    # V_k = E_L + R I (1 - (1-h)^k) reaches V_th first at k = ceil(ln(0.6) / ln(1 - h)) = 102
    k_first = math.ceil(math.log(15 / 25) / math.log(1 - lif.DT / lif.TAU_M))
    assert k_first == 102 and math.isclose(spikes[0], k_first * lif.DT)
    assert v[k_first] == lif.V_RESET and np.all(v < lif.V_TH)
    # regular firing: the reset-to-threshold time is the same for every interval
    assert np.allclose(np.diff(spikes), np.diff(spikes)[0])


def test_refractory_holds_v_and_reduces_to_simulate_lif():
    current = np.full(1500, lif.I_MEAN)
    v, spikes = lif.simulate_lif_refractory(current, lif.DT, lif.T_REF)
    n_ref = round(lif.T_REF / lif.DT)
    for ts in spikes:
        k = round(ts / lif.DT)
        assert np.all(v[k:k + n_ref + 1] == lif.V_RESET)
    assert np.all(np.diff(spikes) > lif.T_REF)
    np.testing.assert_array_equal(lif.simulate_lif_refractory(current, lif.DT, 0.0)[1],
                                  lif.simulate_lif(current, lif.DT)[1])


def test_currents():
    t = np.array([0.0, 0.0025, 0.005, 0.0075])
    np.testing.assert_allclose(lif.sinusoidal_current(t), lif.I_MEAN * np.array([1, 2, 1, 0]),
                               atol=1e-22)
    i = lif.noisy_current(100_000, 1.0, lif.T_MAX, lif.DT, np.random.default_rng(0))
    a = 0.1 * math.sqrt(lif.T_MAX / lif.DT)
    assert np.all(np.abs(i - 1) <= a)
    # mean 1 and variance a^2/3 within 5 standard errors
    assert abs(i.mean() - 1) < 5 * a / math.sqrt(3 * i.size)
    assert abs(i.var() / (a * a / 3) - 1) < 5 * math.sqrt(0.8 / i.size)   # kurtosis of U: 1.8


def test_free_membrane_moments_match_simulation():
    n_trials, n_steps, dt = 2000, 1500, lif.DT
    rng = np.random.default_rng(3)
    currents = np.stack([lif.noisy_current(n_steps, lif.I_MEAN, lif.T_MAX, dt, rng)
                         for _ in range(n_trials)])
    v = np.empty((n_trials, n_steps))
    v[:, 0] = lif.E_L
    for k in range(n_steps - 1):
        v[:, k + 1] = lif.euler_step(v[:, k], currents[:, k], dt)
    mean_th, var_th = lif.free_membrane_moments(n_steps, dt)
    late = slice(1000, None)
    # trials are independent: per-trial time averages give honest standard errors
    per_trial_mean = v[:, late].mean(axis=1)
    se = per_trial_mean.std(ddof=1) / math.sqrt(n_trials)
    assert abs(per_trial_mean.mean() - mean_th[late].mean()) < 4 * se
    per_trial_sq = ((v[:, late] - mean_th[late]) ** 2).mean(axis=1)
    se_var = per_trial_sq.std(ddof=1) / math.sqrt(n_trials)
    assert abs(per_trial_sq.mean() - var_th[late].mean()) < 4 * se_var
    # and the stationary variance is (about 2.8 mV)^2, independent of dt
    assert 7.5e-6 < var_th[-1] < 8.2e-6
    assert math.isclose(lif.free_membrane_moments(15000, dt / 10)[1][-1], var_th[-1], rel_tol=1e-2)


# ----- part 2: statistics and Campbell's theorem -------------------------------------------------

def test_sample_statistics_match_numpy():
    x = np.random.default_rng(1).normal(size=(12, 5))
    mean, var = lif.sample_statistics(x)
    np.testing.assert_allclose(mean, x.mean(axis=0))
    np.testing.assert_allclose(var, x.var(axis=0, ddof=1))
    np.testing.assert_allclose(lif.sample_autocovariance(x), np.cov(x, rowvar=False))


def test_campbell_mean_and_variance_within_statistical_error():
    rate, weight, tau_s, dt = 30.0, 0.05, 0.1, 1e-3
    n_trials = 2000
    counts = poisson_counts(rate, n_trials, 2000, dt, rng=11)
    s = lif.synaptic_current(counts, weight, tau_s, dt)[:, 1000:]     # after 10 tau_s
    mean_th, var_th = lif.campbell_moments(rate, weight, tau_s)
    _, var_euler = lif.campbell_moments(rate, weight, tau_s, dt=dt)
    assert math.isclose(mean_th, 1.5) and math.isclose(var_th, 0.375)
    per_trial_mean = s.mean(axis=1)
    se_mean = per_trial_mean.std(ddof=1) / math.sqrt(n_trials)
    assert abs(per_trial_mean.mean() - mean_th) < 4 * se_mean
    per_trial_sq = ((s - mean_th) ** 2).mean(axis=1)
    se_var = per_trial_sq.std(ddof=1) / math.sqrt(n_trials)
    assert abs(per_trial_sq.mean() - var_euler) < 4 * se_var
    # Euler's correction is 0.5 %, far below what 2000 trials resolve: continuous theory agrees too
    assert abs(per_trial_sq.mean() - var_th) < 4 * se_var + (var_euler - var_th)


def test_synaptic_current_one_spike_area_is_the_weight():
    counts = np.zeros((1, 20000), dtype=int)
    counts[0, 0] = 1
    for tau_s in (0.02, 0.1):
        s = lif.synaptic_current(counts, 0.05, tau_s, 1e-4)
        assert math.isclose(s.sum() * 1e-4, 0.05, rel_tol=1e-3)  # area w whatever tau_s


# ----- part 3: windows and rasters ---------------------------------------------------------------

def test_windows_and_rasters_round_trip():
    spikes = {0: np.array([12, 345, 999]) * 1e-4, 1: np.array([], dtype=float),
              2: np.array([0, 500]) * 1e-4}
    raster = lif.binary_raster(spikes, 1000, 1e-4)
    assert raster.shape == (3, 1000) and raster.sum() == 5
    back = raster_to_dict(raster, 1e-4)
    for key in spikes:
        np.testing.assert_allclose(back[key], spikes[key])
    window = lif.spikes_in_window(spikes, 0.0345, 0.0999)
    np.testing.assert_allclose(window[0], [0.0345])
    assert window[2].size == 1 and window[1].size == 0


# ----- part 4: the neuron class ------------------------------------------------------------------

def test_neuron_free_membrane_is_eulers_closed_form():
    dt, tau_m = 1e-3, 0.02
    neuron = constant_drive_neuron(0.8, dt, 300, tau_m=tau_m)
    k = np.arange(301)
    v = np.array(neuron.v_history)
    np.testing.assert_allclose(v, 0.8 * (1 - (1 - dt / tau_m) ** k), rtol=1e-12, atol=1e-15)
    tau_eff = lif.euler_tau_eff(dt, tau_m)
    np.testing.assert_allclose(v, 0.8 * (1 - np.exp(-k * dt / tau_eff)), rtol=1e-11, atol=1e-15)
    assert neuron.spikes == []


@pytest.mark.parametrize("dt", [1e-3, 1e-4, 2e-5])
def test_tau_eff_is_below_tau_m_by_about_half_a_step(dt):
    tau_m = 0.02
    tau_eff = lif.euler_tau_eff(dt, tau_m)
    # -ln(1 - x) = x + x^2/2 + x^3/3 + ...  =>  tau_eff = tau_m - dt/2 - dt^2/(12 tau_m) - ...
    assert tau_eff < tau_m
    assert abs(tau_eff - (tau_m - dt / 2)) <= dt * dt / (6 * tau_m)


@pytest.mark.parametrize("current", [1.05, 1.3, 2.0, 4.0])
@pytest.mark.parametrize("dt", [1e-3, 2e-4])
def test_interpolated_spike_time_against_exact_crossing(current, dt):
    """The first spike (from v = 0 at t = 0, on the grid) against the exact crossing times.

    Euler's values lie on v(t) = I (1 - exp(-t / tau_eff)), which crosses 1 at
    T_eff = tau_eff ln(I / (I - 1)). Linear interpolation of this concave curve crosses later,
    by at most dt^2 max|v''| / (8 min v') = dt^2 exp(dt / tau_eff) / (8 tau_eff) over the step.
    The continuous LIF crosses at T = tau_m ln(I / (I - 1)).
    """
    tau_m = 0.02
    neuron = constant_drive_neuron(current, dt, int(0.2 / dt), tau_m=tau_m)
    t_first = neuron.spikes[0]
    tau_eff = lif.euler_tau_eff(dt, tau_m)
    log_term = math.log(current / (current - 1))
    t_eff = tau_eff * log_term
    chord = dt * dt * math.exp(dt / tau_eff) / (8 * tau_eff)
    assert t_eff - 1e-12 <= t_first <= t_eff + chord + 1e-12
    exact = tau_m * log_term
    assert abs(t_first - exact) <= (tau_m - tau_eff) * log_term + chord + 1e-12


@pytest.mark.parametrize("dt", [1e-3, 1e-4])
def test_every_isi_is_predicted_exactly_and_fi_error_within_euler_bound(dt):
    tau_m, tau_ref = 0.02, 0.002
    currents = np.array([1.1, 1.3, 1.5, 2.0, 3.0, 5.0, 10.0])
    for current in currents:
        neuron = constant_drive_neuron(current, dt, int(round(0.5 / dt)), tau_m, tau_ref)
        isi = np.diff(neuron.spikes)
        assert isi.size >= 5
        np.testing.assert_allclose(isi, lif.euler_isi(current, dt, tau_m, tau_ref), rtol=0,
                                   atol=1e-9)
    # the rate of the population against the analytic rate, within the derived bound:
    # ISI - ISI_exact in [-(tau_m - tau_eff) ln(I/(I-1)), -(tau_m - tau_eff) ln(I/(I-1)) + dt)
    rates = lif.simulated_rates(currents, dt, 0.5, tau_m, tau_ref)
    exact = lif.lif_rate(currents, tau_m, tau_ref)
    shortfall = (tau_m - lif.euler_tau_eff(dt, tau_m)) * np.log(currents / (currents - 1))
    error = 1 / rates - 1 / exact
    assert np.all(error >= -shortfall - 1e-9) and np.all(error < -shortfall + dt + 1e-9)


def test_fi_error_shrinks_with_dt():
    currents = np.linspace(1.2, 5.0, 12)
    exact_isi = 1 / lif.lif_rate(currents, 0.02, 0.002)
    worst = [np.max(np.abs(1 / lif.simulated_rates(currents, dt, 0.3) - exact_isi))
             for dt in (1e-3, 1e-4)]
    assert worst[0] <= 1e-3 and worst[1] <= 1e-4 and worst[1] < worst[0] / 5


def test_lif_rate_limits():
    current = np.array([0.0, 1.0, 1.0 + 1e-9, 2.0, 1e6])
    rate = lif.lif_rate(current, 0.02, 0.002)
    assert rate[0] == 0 and rate[1] == 0 and rate[2] < 3
    assert math.isclose(rate[3], 1 / (0.002 + 0.02 * math.log(2)))
    assert math.isclose(rate[4], 500.0, rel_tol=1e-4)       # saturates at 1 / tau_ref


def test_refractory_clamp_and_spikes_between():
    neuron = constant_drive_neuron(3.0, 1e-3, 200, tau_ref=0.005)
    v = np.array(neuron.v_history)
    for ts in neuron.spikes:
        k = math.ceil(ts / 1e-3)                  # v_history index at the end of the spike step
        assert np.all(v[k:k + 6] == 0.0) and v[k + 6] > 0
    spikes = neuron.spikes
    assert neuron.spikes_between(spikes[0], spikes[2]) == 2
    assert neuron.spikes_between(0.0, 0.2) == len(spikes)
    halves = neuron.spikes_between(0.0, 0.1) + neuron.spikes_between(0.1, 0.2)
    assert halves == len(spikes)


def test_spike_delivery_convention_area():
    """A spike of weight w injects the charge w (s += w / tau_s) whatever tau_s is.

    With Euler, s_k = (w / tau_s) (1 - dt / tau_s)^k, and the geometric series sum_k dt s_k is
    exactly w; 3000 steps leave a tail below 1e-6.
    """
    for tau_s in (0.01, 0.1):
        neuron = LIFNeuron(tau_m=0.02, tau_s=tau_s, tau_ref=0.0)
        neuron.receive(0.05)
        total = 0.0
        for _ in range(3000):
            total += neuron.s * 1e-3
            neuron.step(1e-3)
        assert math.isclose(total, 0.05, rel_tol=1e-6)


# ----- part 5: population == N single neurons ----------------------------------------------------

def test_population_equals_single_neurons():
    rng = np.random.default_rng(4)
    n, steps, dt = 12, 600, 1e-3
    tau_m = rng.uniform(0.01, 0.05, n)
    tau_s = rng.uniform(0.02, 0.2, n)
    tau_ref = rng.integers(0, 6, n) * dt
    drive = rng.uniform(0.0, 3.0, n)
    kicks = rng.poisson(0.1, (steps, n)) * rng.choice([0.1, -0.05], size=(steps, n))
    pop = LIFPopulation(n, tau_m, tau_s, tau_ref)
    pop.s = drive.copy()
    singles = [LIFNeuron(tau_m[i], tau_s[i], tau_ref[i]) for i in range(n)]
    for i, neuron in enumerate(singles):
        neuron.s = drive[i]
    for k in range(steps):
        pop.receive(kicks[k])
        fired = pop.step(dt)
        for i, neuron in enumerate(singles):
            neuron.receive(kicks[k, i])
            assert neuron.step(dt) == fired[i]
    assert sum(len(s) for s in pop.spikes) > 50
    for i, neuron in enumerate(singles):
        assert pop.spikes[i] == neuron.spikes
        np.testing.assert_array_equal(np.array(pop.v_history)[:, i], neuron.v_history)


# ----- part 6: experiment 3a ---------------------------------------------------------------------

def test_experiment_3a_fires_near_the_mean_drive_rate():
    rates = []
    for seed in range(5):
        inp = InputNeuron(generate_spike_train([lif.EXP_RATE], [2.0], rng=seed))
        neuron = LIFNeuron(lif.EXP_TAU_M, lif.EXP_TAU_S, lif.EXP_TAU_REF)
        lif.drive_with_input(neuron, inp, lif.EXP_WEIGHT, 2.0, lif.EXP_DT)
        assert len(neuron.v_history) == 2001 and len(inp.spikes) == len(inp.train)
        rates.append(neuron.spikes_between(1.0, 2.0))
    # mean drive w nu = 1.5 would give ~42 Hz if it were constant; fluctuations spread it
    assert 20 < np.mean(rates) < 60


# ----- course.spikes -----------------------------------------------------------------------------

def test_generate_spike_train_rates_are_right():
    rates, ends = [5.0, 50.0, 0.0, 20.0], [1.0, 2.0, 3.0, 4.0]
    n_trains = 200
    counts = np.zeros(4)
    for seed in range(n_trains):
        train = generate_spike_train(rates, ends, rng=seed)
        assert np.all(np.diff(train) >= 0) and train.min() >= 0 and train.max() < 4.0
        counts += np.histogram(train, bins=[0, 1, 2, 3, 4])[0]
    expected = n_trains * np.array(rates) * 1.0
    assert counts[2] == 0
    for c, e in zip(counts, expected):
        if e:
            assert abs(c - e) < 4 * math.sqrt(e)     # Poisson: variance = mean


def test_generate_spike_train_is_poisson_and_reproducible():
    train = generate_spike_train([50.0], [200.0], rng=np.random.default_rng(8))
    isi = np.diff(train)
    assert abs(isi.std() / isi.mean() - 1) < 0.05              # CV of a Poisson process is 1
    np.testing.assert_array_equal(generate_spike_train([30, 0], [0.3, 1.0], rng=5),
                                  generate_spike_train([30, 0], [0.3, 1.0], rng=5))
    with pytest.raises(TypeError):
        generate_spike_train([30], [1.0], rng=None)
    with pytest.raises(ValueError):
        generate_spike_train([30, 10], [1.0, 0.5], rng=1)


def test_poisson_counts_and_rates_helpers():
    counts = poisson_counts(30.0, 100, 1000, 1e-3, rng=2)
    assert counts.shape == (100, 1000)
    assert abs(counts.mean() / 0.03 - 1) < 4 * math.sqrt(0.03 / counts.size) / 0.03
    assert firing_rates({"a": [0.1, 0.2, 0.3]}, 0.0, 1.0) == {"a": 3.0}
    assert list(as_spike_dict([[0.1], []])) == [0, 1]


def test_input_neuron_counts_each_spike_once():
    train = np.array([0.0, 0.0005, 0.001, 0.0042, 0.0042, 0.0099, 0.02])
    inp = InputNeuron(train)
    counts = [inp.step(1e-3) for _ in range(10)]
    assert counts == [2, 1, 0, 0, 2, 0, 0, 0, 0, 1]
    assert inp.spikes_between(0.0, 0.01) == 6 and len(inp.t_history) == 11
    inp.receive(1.0)      # ignored


# ----- course.plotting ---------------------------------------------------------------------------

def test_plots_return_labelled_axes():
    ax = raster_plot({"input": [0.1, 0.5], "LIF": [0.3]}, t_max=1.0)
    assert ax.get_xlabel() == "time (s)" and ax.get_ylabel() == "neuron"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["input", "LIF"]
    assert raster_plot([np.array([0.1]), np.array([])]).get_xlim()[1] > 0
    ax = plot_membrane([0, 1, 2], [0, 0.5, 0.0], threshold=1.0, spike_times=[1.5])
    assert "(s)" in ax.get_xlabel() and "membrane" in ax.get_ylabel()
    ax = plot_fi_curve([1, 2], [0, 50])
    assert "(Hz)" in ax.get_ylabel() and "I" in ax.get_xlabel()
    with pytest.raises(ValueError):
        plot_membrane([0, 1], [0, 1, 2])
    plt.close("all")
