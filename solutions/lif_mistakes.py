"""Common wrong versions of the `lif_neuron` exercises, so hidden tests can name the mistake.

Each function or class here reproduces one mistake exactly and is listed in the `mistakes` of a
Check in `course.checks.lif_neuron`. Classes override only the broken part of the reference.
"""
from __future__ import annotations

import inspect
import math

import numpy as np

from solutions import lif
from solutions.lif import E_L, R_M, T_REF, TAU_M, V_RESET, V_TH


# ----- part 1 -----------------------------------------------------------------------------------

def euler_step_leak_sign(v, i_inj, dt, tau_m=TAU_M, e_l=E_L, r_m=R_M):
    """Leak term with the wrong sign: (V - E_L) instead of (E_L - V)."""
    return v + dt / tau_m * (v - e_l + r_m * i_inj)


def euler_step_subtracted(v, i_inj, dt, tau_m=TAU_M, e_l=E_L, r_m=R_M):
    """The Euler increment subtracted instead of added."""
    return v - dt / tau_m * (e_l - v + r_m * i_inj)


def sinusoidal_current_no_two_pi(t, i_mean=lif.I_MEAN):
    """sin(t / 0.01) instead of sin(2 pi t / 0.01): the period is 2 pi times too long."""
    return i_mean * (1.0 + np.sin(np.asarray(t, dtype=float) / lif.SINE_PERIOD))


def noisy_current_unscaled(n_steps, i_mean, t_max, dt, rng):
    """Noise amplitude 0.1 without the factor sqrt(t_max / dt)."""
    return i_mean * (1.0 + lif.NOISE_SCALE * rng.uniform(-1.0, 1.0, size=n_steps))


def noisy_current_zero_one(n_steps, i_mean, t_max, dt, rng):
    """xi drawn from U(0, 1) (rng.random) instead of U(-1, 1)."""
    return i_mean * (1.0 + lif.NOISE_SCALE * math.sqrt(t_max / dt) * rng.random(n_steps))


def _simulate(i_inj, dt, t_ref, tau_m, e_l, r_m, v_th, v_reset, *, update=lif.euler_step,
              reset_to=None):
    target = v_reset if reset_to is None else reset_to
    return lif.run_lif(i_inj, dt, int(round(t_ref / dt)), tau_m, e_l, r_m, v_th, target, update)


def simulate_lif_reset_to_rest(i_inj, dt, tau_m=TAU_M, e_l=E_L, r_m=R_M, v_th=V_TH,
                               v_reset=V_RESET):
    """Resets to the leak potential E_L instead of V_reset."""
    return _simulate(i_inj, dt, 0.0, tau_m, e_l, r_m, v_th, v_reset, reset_to=e_l)


def simulate_lif_leak_sign(i_inj, dt, tau_m=TAU_M, e_l=E_L, r_m=R_M, v_th=V_TH, v_reset=V_RESET):
    """Euler update with the leak term's sign flipped."""
    return _simulate(i_inj, dt, 0.0, tau_m, e_l, r_m, v_th, v_reset, update=euler_step_leak_sign)


def simulate_lif_no_reset(i_inj, dt, tau_m=TAU_M, e_l=E_L, r_m=R_M, v_th=V_TH, v_reset=V_RESET):
    """Records spikes but never resets the membrane."""
    return lif.run_lif(i_inj, dt, 0, tau_m, e_l, r_m, v_th, None)


def simulate_lif_refractory_none(i_inj, dt, t_ref=T_REF, tau_m=TAU_M, e_l=E_L, r_m=R_M,
                                 v_th=V_TH, v_reset=V_RESET):
    """Ignores the refractory period."""
    return _simulate(i_inj, dt, 0.0, tau_m, e_l, r_m, v_th, v_reset)


def simulate_lif_refractory_reset_to_rest(i_inj, dt, t_ref=T_REF, tau_m=TAU_M, e_l=E_L, r_m=R_M,
                                          v_th=V_TH, v_reset=V_RESET):
    """Resets (and clamps) to E_L instead of V_reset."""
    return _simulate(i_inj, dt, t_ref, tau_m, e_l, r_m, v_th, v_reset, reset_to=e_l)


def simulate_lif_refractory_one_short(i_inj, dt, t_ref=T_REF, tau_m=TAU_M, e_l=E_L, r_m=R_M,
                                      v_th=V_TH, v_reset=V_RESET):
    """Clamps one step fewer than round(t_ref / dt) (counts the spike step as refractory)."""
    return _simulate(i_inj, dt, max(t_ref - dt, 0.0), tau_m, e_l, r_m, v_th, v_reset)


def simulate_lif_strict_threshold(i_inj, dt, tau_m=TAU_M, e_l=E_L, r_m=R_M, v_th=V_TH,
                                  v_reset=V_RESET):
    """Fires only when V is strictly above the threshold (V > v_th)."""
    return lif.run_lif(i_inj, dt, 0, tau_m, e_l, r_m, math.nextafter(v_th, math.inf), v_reset)


def simulate_lif_refractory_truncated(i_inj, dt, t_ref=T_REF, tau_m=TAU_M, e_l=E_L, r_m=R_M,
                                      v_th=V_TH, v_reset=V_RESET):
    """n_ref = int(t_ref / dt) instead of int(round(t_ref / dt)): 22.999... becomes 22."""
    return lif.run_lif(i_inj, dt, int(t_ref / dt), tau_m, e_l, r_m, v_th, v_reset)


# ----- part 2 -----------------------------------------------------------------------------------

def sample_statistics_biased(x):
    """Variance normalised by N instead of N - 1."""
    x = np.asarray(x, dtype=float)
    return x.mean(axis=0), x.var(axis=0)


def sample_autocovariance_biased(x):
    """Autocovariance normalised by N instead of N - 1."""
    x = np.asarray(x, dtype=float)
    d = x - x.mean(axis=0)
    return d.T @ d / x.shape[0]


def sample_autocovariance_uncentred(x):
    """Second moment: the mean over trials is not subtracted."""
    x = np.asarray(x, dtype=float)
    return x.T @ x / (x.shape[0] - 1)


def synaptic_current_jump_weight(counts, weight, tau_s, dt):
    """Each spike adds the weight itself instead of weight / tau_s."""
    return lif.synaptic_current(counts, weight * tau_s, tau_s, dt)


# ----- part 3 -----------------------------------------------------------------------------------

def spikes_in_window_closed(spike_dict, t0, t1):
    """Keeps t0 <= t <= t1: the end of the window is included."""
    out = {}
    for key, times in spike_dict.items():
        times = np.asarray(times, dtype=float)
        out[key] = times[(times >= t0) & (times <= t1)]
    return out


def binary_raster_floor(spike_dict, n_bins, dt):
    """Column floor(t / dt) instead of round(t / dt)."""
    shifted = {k: np.asarray(v, dtype=float) - 0.5 * dt for k, v in spike_dict.items()}
    return lif.binary_raster(shifted, n_bins, dt)


def binary_raster_wraps_negative(spike_dict, n_bins, dt):
    """Drops columns >= n_bins but not negative ones, which numpy indexes from the end."""
    keys = sorted(spike_dict)
    raster = np.zeros((len(keys), n_bins), dtype=int)
    for row, key in enumerate(keys):
        cols = np.rint(np.asarray(spike_dict[key], dtype=float) / dt).astype(int)
        raster[row, cols[cols < n_bins]] = 1
    return raster


def binary_raster_counts(spike_dict, n_bins, dt):
    """Counts spikes per bin instead of marking bins with a 1."""
    keys = sorted(spike_dict)
    raster = np.zeros((len(keys), n_bins), dtype=int)
    for row, key in enumerate(keys):
        cols = np.rint(np.asarray(spike_dict[key], dtype=float) / dt).astype(int)
        cols = cols[(cols >= 0) & (cols < n_bins)]
        np.add.at(raster[row], cols, 1)
    return raster


# ----- part 4: the neuron class -----------------------------------------------------------------

class LIFNeuronSlopeSign(lif.LIFNeuron):
    """dv/dt = (v - s) / tau_m: the wrong sign (the same as subtracting the Euler increment)."""

    def slope(self):
        self.dvdt = (self.v - self.s) / self.tau_m
        self.dsdt = -self.s / self.tau_s
        return self.dvdt, self.dsdt


class LIFNeuronStrictThreshold(lif.LIFNeuron):
    """Spikes only when v_new > 1, so v_new == 1 exactly is kept as the membrane value."""

    def step(self, dt):
        dvdt, _ = self.slope()
        if self.t >= self.ref_end and self.v + dt * dvdt == 1.0:
            self.dvdt = dvdt
            self.s = self.s + dt * self.dsdt
            self.v = 1.0
            self.t = self.t + dt
            self.v_history.append(self.v)
            self.t_history.append(self.t)
            return 0
        return super().step(dt)


class LIFNeuronNoRefractory(lif.LIFNeuron):
    """Never holds v at 0 after a spike."""

    def step(self, dt):
        self.ref_end = -math.inf
        return super().step(dt)


class LIFNeuronNoInterpolation(lif.LIFNeuron):
    """Records the end of the step, t + dt, as the spike time."""

    def step(self, dt):
        n_before = len(self.spikes)
        t = self.t
        out = super().step(dt)
        if len(self.spikes) > n_before:
            self.spikes[-1] = t + dt
            self.ref_end = t + dt + self.tau_ref
        return out


class LIFNeuronSubtractiveReset(lif.LIFNeuron):
    """Resets by subtracting the threshold (v <- v_new - 1) instead of setting v to 0."""

    def step(self, dt):
        dvdt, dsdt = self.slope()
        v_new = self.v + dt * dvdt
        refractory = self.t < self.ref_end
        out = super().step(dt)
        if out and not refractory:
            self.v = v_new - 1.0
            self.v_history[-1] = self.v
        return out


class LIFNeuronClosedInterval(lif.LIFNeuron):
    """spikes_between counts t0 <= t <= t1 (off by one at the end of the interval)."""

    def spikes_between(self, t0, t1):
        return sum(1 for ts in self.spikes if t0 <= ts <= t1)


class LIFNeuronOpenStart(lif.LIFNeuron):
    """spikes_between counts t0 < t <= t1 (the interval shifted at both ends)."""

    def spikes_between(self, t0, t1):
        return sum(1 for ts in self.spikes if t0 < ts <= t1)


# ----- part 5: the population -------------------------------------------------------------------

class LIFPopulationNoRefractory(lif.LIFPopulation):
    """Never holds v at 0 after a spike."""

    def step(self, dt):
        self.ref_end[:] = -np.inf
        return super().step(dt)


class LIFPopulationNoInterpolation(lif.LIFPopulation):
    """Records t + dt as the spike time."""

    def step(self, dt):
        t = self.t
        spiked = super().step(dt)
        for i in np.flatnonzero(spiked):
            self.spikes[i][-1] = t + dt
            self.ref_end[i] = t + dt + self.tau_ref[i]
        return spiked


# ----- part 6 -----------------------------------------------------------------------------------

def drive_without_delay(neuron, input_neuron, weight, t_max, dt):
    """Delivers the input's spikes of a step before the neuron takes that same step."""
    for _ in range(int(round(t_max / dt))):
        count = input_neuron.step(dt)
        if count:
            neuron.receive(weight * count)
        neuron.step(dt)
    return neuron


def drive_one_spike_per_step(neuron, input_neuron, weight, t_max, dt):
    """Delivers `weight` once per step with input, however many input spikes the step had."""
    arriving = 0
    for _ in range(int(round(t_max / dt))):
        if arriving:
            neuron.receive(weight)
        arriving = input_neuron.step(dt)
        neuron.step(dt)
    return neuron


# ----- part 7 -----------------------------------------------------------------------------------

def lif_rate_no_refractory(current, tau_m, tau_ref):
    """Leaves the refractory period out of the interspike interval."""
    return lif.lif_rate(current, tau_m, 0.0)


def euler_tau_eff_log_sign(dt, tau_m):
    """dt / ln(1 + dt / tau_m): the sign inside the logarithm flipped."""
    return dt / math.log1p(dt / tau_m)


def campbell_moments_jump_weight(rate, weight, tau_s):
    """Campbell with the jump w instead of w / tau_s: E = w nu tau_s, Var = w^2 nu tau_s / 2."""
    return rate * weight * tau_s, rate * weight ** 2 * tau_s / 2.0


def drive_truncated_steps(neuron, input_neuron, weight, t_max, dt):
    """n_steps = int(t_max / dt): 0.3 / 0.1 = 2.999... gives 2 steps instead of 3."""
    arriving = 0
    for _ in range(int(t_max / dt)):
        if arriving:
            neuron.receive(weight * arriving)
        arriving = input_neuron.step(dt)
        neuron.step(dt)
    return neuron


# ===== signs: mistakes named by a property of the student's results ===============================
# Each sign(case, got, expected) looks only at what the student's code produced on one hidden case
# (`got`, decoded as in course.checks.lif_neuron) and returns True when that case shows the
# property the mistake produces, False when it shows the mistake was not made, and None when the
# case cannot tell (no spike, no refractory period, a result of the wrong form). The grader names
# the mistake when some case says True and none says False (course.grading.compare.shown_signs),
# so any implementation of the mistake is recognised, not only the one written above.

GRID_TOLERANCE = 1e-9     # relative to dt: a spike time "on the grid" (no interpolation)


def _arguments(function, case):
    """{parameter: value} of `case` bound to `function`'s signature (defaults filled in)."""
    bound = inspect.signature(function).bind(*case.args, **case.kwargs)
    bound.apply_defaults()
    return bound.arguments


def _membrane_and_spike_steps(got, dt):
    """(v, spike step indices) of a `simulate_lif*` result [v, spike_times]; None if `got` is not
    of that form. Spike k is the step whose stored value v[k] is the one after the spike."""
    if not (isinstance(got, list) and len(got) == 2
            and all(isinstance(x, np.ndarray) and x.ndim == 1 for x in got)):
        return None
    v, times = got
    steps = np.rint(times / dt).astype(int)
    return v, steps[(steps >= 0) & (steps < len(v))]


def _verdict(shows: list[bool]):
    """True if every judged spike shows the property, False if one does not, None if none."""
    return None if not shows else all(shows)


def _reset_sign(case, got, parameter, simulate):
    """Stored values at the student's spike steps all equal the parameter `parameter`
    (v_th, e_l) of the case: the membrane was set there instead of to v_reset."""
    p = _arguments(simulate, case)
    found = _membrane_and_spike_steps(got, p["dt"])
    if found is None or p[parameter] == p["v_reset"]:
        return None
    v, steps = found
    target = p[parameter]
    return _verdict([bool(np.isclose(v[k], target, rtol=1e-9, atol=1e-15)) for k in steps])


def reset_to_threshold(case, got, expected):
    """simulate_lif: after a spike V is set to v_th instead of v_reset."""
    return _reset_sign(case, got, "v_th", lif.simulate_lif)


def reset_to_threshold_refractory(case, got, expected):
    """simulate_lif_refractory: after a spike V is set (and held) at v_th instead of v_reset."""
    return _reset_sign(case, got, "v_th", lif.simulate_lif_refractory)


def reset_to_rest(case, got, expected):
    """simulate_lif: after a spike V is set to E_L instead of v_reset."""
    return _reset_sign(case, got, "e_l", lif.simulate_lif)


def reset_to_rest_refractory(case, got, expected):
    """simulate_lif_refractory: after a spike V is set (and held) at E_L instead of v_reset."""
    return _reset_sign(case, got, "e_l", lif.simulate_lif_refractory)


def never_reset(case, got, expected):
    """simulate_lif: the stored V at a spike step is above the threshold (no reset)."""
    p = _arguments(lif.simulate_lif, case)
    found = _membrane_and_spike_steps(got, p["dt"])
    if found is None:
        return None
    v, steps = found
    at_spikes = v[steps]
    if np.isclose(at_spikes, p["v_th"], rtol=1e-9, atol=1e-15).all():
        return None          # cannot be told from a reset to v_th
    return bool(np.all(at_spikes >= p["v_th"]))


def not_held_after_spike(case, got, expected):
    """simulate_lif_refractory: V moves in the step right after a spike (no refractory hold),
    whatever value the reset put there; cases with t_ref below one step cannot tell."""
    p = _arguments(lif.simulate_lif_refractory, case)
    found = _membrane_and_spike_steps(got, p["dt"])
    if found is None or int(round(p["t_ref"] / p["dt"])) < 1:
        return None
    v, steps = found
    fired = set(steps.tolist())
    return _verdict([k + 1 in fired or bool(v[k + 1] != v[k]) for k in steps if k + 1 < len(v)])


def _step_arguments(case):
    """{tau_m, tau_s, tau_ref, s0, dt, n_steps, kicks} of a `neuron_step` case."""
    names = ("tau_m", "tau_s", "tau_ref", "s0", "dt", "n_steps", "kicks")
    return dict(zip(names, case.args))


def _neuron_trace(got):
    """(spikes (m,), fired (T,), v_history (T + 1,)) of a `neuron_step` result, or None."""
    try:
        spikes = np.asarray(got["spikes"], dtype=float).ravel()
        fired = np.asarray(got["step returned (1 = spike)"], dtype=float).ravel()
        v = np.asarray(got["v_history"], dtype=float).ravel()
    except (TypeError, KeyError, ValueError, IndexError):
        return None
    return (spikes, fired, v) if len(v) == len(fired) + 1 else None


def _on_grid(times, dt):
    times = np.asarray(times, dtype=float)
    return np.abs(times / dt - np.rint(times / dt)) <= GRID_TOLERANCE


def neuron_spikes_on_grid(case, got, expected):
    """neuron_step: every spike time is a grid time k dt (no interpolation), on a case whose
    interpolated spike times are not all grid times."""
    trace = _neuron_trace(got)
    dt = _step_arguments(case)["dt"]
    if trace is None or not len(trace[0]) or _on_grid(expected["spikes"], dt).all():
        return None
    return bool(_on_grid(trace[0], dt).all())


def neuron_not_held(case, got, expected):
    """neuron_step: v moves in the step after a spike step although tau_ref >= dt."""
    a = _step_arguments(case)
    trace = _neuron_trace(got)
    if trace is None or a["tau_ref"] < a["dt"]:
        return None
    _, fired, v = trace
    return _verdict([bool(fired[k + 1]) or bool(v[k + 2] != v[k + 1])
                     for k in np.flatnonzero(fired) if k + 2 < len(v)])


def _synaptic_input(a):
    """(s at the start of each step, s after its Euler step) for a `neuron_step` case, from the
    case's own inputs (s0, kicks of weight w adding w / tau_s, decay by 1 - dt / tau_s)."""
    s, start, after = a["s0"], [], []
    for k in range(a["n_steps"]):
        s += a["kicks"].get(k, 0.0) / a["tau_s"]
        start.append(s)
        s = s + a["dt"] * (-s / a["tau_s"])
        after.append(s)
    return np.array(start), np.array(after)


def slope_from_updated_s(case, got, expected):
    """neuron_step: on every free step v moves towards the s of the END of the step,
    v_new = v + dt (s_new - v) / tau_m, instead of the s at its start. Judged on the student's own
    v before each step, on free steps (no spike, not held) of cases where s changes."""
    a = _step_arguments(case)
    trace = _neuron_trace(got)
    if trace is None or math.isinf(a["tau_s"]):
        return None
    _, fired, v = trace
    start, after = _synaptic_input(a)
    updated = correct = 0
    for k in range(len(fired)):
        if fired[k] or v[k + 1] == v[k] == 0.0:
            continue
        step = a["dt"] / a["tau_m"]
        with_after = v[k] + step * (after[k] - v[k])
        with_start = v[k] + step * (start[k] - v[k])
        if np.isclose(with_after, with_start, rtol=1e-9, atol=1e-12):
            continue
        updated += bool(np.isclose(v[k + 1], with_after, rtol=1e-9, atol=1e-12))
        correct += bool(np.isclose(v[k + 1], with_start, rtol=1e-9, atol=1e-12))
    if correct:
        return False
    return True if updated else None


def _population_arguments(case):
    names = ("n", "tau_m", "tau_s", "tau_ref", "s0", "dt", "n_steps", "kicks")
    return dict(zip(names, case.args))


def _population_trace(got):
    """(spikes: list of (m_i,), fired (T, n) bool, v_history (T + 1, n)) or None."""
    try:
        spikes = [np.asarray(x, dtype=float).ravel() for x in got["spikes"]]
        fired = np.asarray(got["step returned"], dtype=float) != 0
        v = np.asarray(got["v_history"], dtype=float)
    except (TypeError, KeyError, ValueError, IndexError):
        return None
    if fired.ndim != 2 or v.shape != (fired.shape[0] + 1, fired.shape[1]):
        return None
    return spikes, fired, v


def population_spikes_on_grid(case, got, expected):
    """population_step: every spike time is a grid time (no interpolation)."""
    trace = _population_trace(got)
    dt = _population_arguments(case)["dt"]
    wanted = np.concatenate([np.ravel(x) for x in expected["spikes"]] or [np.zeros(0)])
    if trace is None or _on_grid(wanted, dt).all():
        return None
    times = np.concatenate(trace[0] or [np.zeros(0)])
    return bool(_on_grid(times, dt).all()) if len(times) else None


def population_not_held(case, got, expected):
    """population_step: a neuron's v moves in the step after its spike although tau_ref >= dt."""
    a = _population_arguments(case)
    trace = _population_trace(got)
    if trace is None:
        return None
    _, fired, v = trace
    tau_ref = np.broadcast_to(np.asarray(a["tau_ref"], dtype=float), (fired.shape[1],))
    shows = [bool(fired[k + 1, i]) or bool(v[k + 2, i] != v[k + 1, i])
             for k, i in np.argwhere(fired)
             if k + 2 < len(v) and tau_ref[i] >= a["dt"]]
    return _verdict(shows)


def population_shared_refractory(case, got, expected):
    """population_step: a neuron that never fires stops integrating (v frozen or set to 0) in the
    step right after ANOTHER neuron fires: one refractory state shared by the population."""
    trace = _population_trace(got)
    if trace is None:
        return None
    spikes, fired, v = trace
    quiet = [j for j in range(fired.shape[1]) if not fired[:, j].any() and not len(spikes[j])]
    shows = []
    for k in np.flatnonzero(fired.any(axis=1)):
        for j in quiet:
            if k + 2 < len(v):
                shows.append(bool(v[k + 2, j] == v[k + 1, j] or v[k + 2, j] == 0.0))
    if not shows:
        return None
    return any(shows)
