"""Hidden checks of `lif_neuron`: fixed inputs (public) and where the reference lives.

The grader compares with `solutions.lif`. How the tolerances were chosen:

* Correct implementations differ only by rounding (another order of the same operations, time
  kept as ``t += dt`` or as ``k * dt``, loops or numpy). Over at most a few thousand steps that
  is below 1e-13 relative, and the LIF does not amplify it: between spikes Euler's update is a
  contraction (factor 1 - dt/tau_m < 1) and a reset erases the past.
* Every listed mistake changes a result by at least ~1e-4 of its scale (a whole time step in a
  spike time, millivolts in a potential, a factor N/(N-1) in a variance).
* So rtol = 1e-7 with an absolute floor at ~1e-10 of the quantity's scale separates them by
  several orders of magnitude either way. Currents are in amperes (~1e-10 A), so their floor is
  1e-18 A (about 1e-8 of I_mean, since 1 + a xi can cancel to nearly 0) instead of the default
  1e-10.
* Threshold decisions are the only place where rounding could flip a result. The cases are
  chosen so no spike lands within 1e-6 of a step boundary and no potential ends a step within
  1e-9 of the threshold; `tests/test_lif_checks.py` verifies this by perturbing every input by a
  relative 1e-11 and requiring identical verdicts. Refractory periods are whole numbers of steps,
  so holding v "while t < t_spike + tau_ref" and holding it for "tau_ref / dt steps" agree.
* The interval of `spikes_between` is [t0, t1); its cases put t0 and t1 exactly on recorded spike
  times, which is exact (the same floats are compared), to catch off-by-one intervals.
"""
from __future__ import annotations

import math

import numpy as np

from course.checking import Check, case, describe, typed
from course.spikes import InputNeuron, generate_spike_train

REF = "solutions.lif:"
WRONG = "solutions.lif_mistakes:"

# The assignment's parameters (see solutions/lif.py for their sources).
TAU_M, E_L, V_RESET, V_TH, R_M = 20e-3, -60e-3, -70e-3, -50e-3, 100e6
I_MEAN, T_MAX, T_REF, DT = 25e-11, 150e-3, 10e-3, 0.1e-3
AMPERE_FLOOR = 1e-18    # A: 4e-9 of I_mean (sums like 1 + a xi can cancel to ~0)


# ----- adapters: run a target and return plain numbers -------------------------------------------

def _array(target, *args, **kwargs):
    return np.asarray(target(*args, **kwargs), dtype=float)


def _floats(target, *args, **kwargs):
    return [float(x) for x in target(*args, **kwargs)]


def _arrays(target, *args, **kwargs):
    return [np.asarray(x, dtype=float) for x in target(*args, **kwargs)]


def _window_kept_apart(target, spike_dict, t0, t1):
    """The window's result, whether its values are float numpy arrays, and whether the input
    dict was left as it was."""
    before = {key: np.array(times, dtype=float) for key, times in spike_dict.items()}
    result = target(spike_dict, t0, t1)
    unchanged = (set(spike_dict) == set(before) and all(
        np.array_equal(np.asarray(spike_dict[key], dtype=float), before[key]) for key in before))
    return {"values": {key: describe(times) for key, times in result.items()},
            "input dict unchanged": unchanged,
            "a new dict": result is not spike_dict}


def _with_rng(target, n_steps, i_mean, t_max, dt, seed):
    return np.asarray(target(n_steps, i_mean, t_max, dt, np.random.default_rng(seed)), dtype=float)


def _dict_of_arrays(target, spike_dict, t0, t1):
    result = target(spike_dict, t0, t1)
    return {key: np.asarray(times, dtype=float) for key, times in result.items()}


def _one_float(target, *args):
    return float(target(*args))


def _run_slope(cls, v, s, tau_m, tau_s):
    neuron = cls(tau_m=tau_m, tau_s=tau_s, tau_ref=0.002)
    neuron.v = v
    neuron.s = s
    returned = neuron.slope()
    return [float(neuron.dvdt), float(neuron.dsdt), [float(x) for x in returned]]


def _run_neuron(cls, tau_m, tau_s, tau_ref, s0, dt, n_steps, kicks):
    """Make a neuron, set s = s0, and step it; kicks: {step index: weight received before it}."""
    neuron = cls(tau_m=tau_m, tau_s=tau_s, tau_ref=tau_ref)
    neuron.s = s0
    returned = []
    for k in range(n_steps):
        if k in kicks:
            neuron.receive(kicks[k])
        returned.append(int(neuron.step(dt)))
    return {"spikes": np.asarray(neuron.spikes, dtype=float).ravel(),
            "step returned (1 = spike)": np.asarray(returned),
            "v_history": np.asarray(neuron.v_history, dtype=float),
            "t_history": np.asarray(neuron.t_history, dtype=float),
            "final s": float(neuron.s)}


def _run_spikes_between(cls, spikes, windows):
    neuron = cls(tau_m=0.02, tau_s=0.1, tau_ref=0.002)
    neuron.spikes = list(spikes)
    return np.asarray([neuron.spikes_between(t0, t1) for t0, t1 in windows], dtype=float)


def _run_population(cls, n, tau_m, tau_s, tau_ref, s0, dt, n_steps, kicks):
    """Make a population, set s = s0 (array), step it; kicks: {step: weights (n,)}."""
    pop = cls(n, tau_m=tau_m, tau_s=tau_s, tau_ref=tau_ref)
    pop.s = np.array(s0, dtype=float)
    returned = []
    for k in range(n_steps):
        if k in kicks:
            pop.receive(np.array(kicks[k], dtype=float))
        returned.append(pop.step(dt))
    fired = [describe(r) for r in returned]
    return {"spikes": [np.asarray(times, dtype=float).ravel() for times in pop.spikes],
            "step returned": np.array([f["values"] for f in fired]),
            "step returned a numpy array of dtype": sorted({
                f["dtype"] if f["numpy array"] else "not an array" for f in fired}),
            "v_history": np.asarray(pop.v_history, dtype=float),
            "t_history": np.asarray(pop.t_history, dtype=float)}


class RecordingNeuron:
    """Stands in for a neuron in the `drive_with_input` check: it records what it receives.

    `received[k]` is the total weight received since the previous step, logged when step k is
    taken. Whatever arrives after the last step is not counted.
    """

    def __init__(self):
        self.t = 0.0
        self.v = 0.0
        self.s = 0.0
        self.spikes = []
        self.pending = 0.0
        self.received = []
        self.steps = []

    def receive(self, weight):
        self.pending += float(weight)

    def step(self, dt):
        self.received.append(self.pending)
        self.steps.append(float(dt))
        self.pending = 0.0
        self.t += dt
        return 0


def _run_drive(target, input_times, weight, t_max, dt):
    neuron = RecordingNeuron()
    target(neuron, InputNeuron(input_times), weight, t_max, dt)
    return {"received per step": np.asarray(neuron.received, dtype=float),
            "step sizes": np.asarray(neuron.steps, dtype=float)}


# ----- fixed inputs ------------------------------------------------------------------------------

def _noise(seed, shape):
    return np.random.default_rng(seed).uniform(-1.0, 1.0, size=shape)


def _sine(n_steps, dt, i_mean=I_MEAN):
    return i_mean * (1.0 + np.sin(2.0 * np.pi * np.arange(n_steps) * dt / 0.01))


def _noisy(n_steps, dt, seed, i_mean=I_MEAN, t_max=T_MAX):
    return i_mean * (1.0 + 0.1 * math.sqrt(t_max / dt) * _noise(seed, n_steps))


def _kicks_from_train(rate, duration, dt, weight, seed):
    """{step: weight x count} for a Poisson train delivered with a one-step delay."""
    times = generate_spike_train([rate], [duration], rng=seed)
    counts = np.bincount((times // dt).astype(int), minlength=int(round(duration / dt)))
    return {int(k) + 1: float(weight * c) for k, c in enumerate(counts) if c}


def _euler_cases():
    v = np.linspace(-0.08, -0.045, 8)
    return [
        case("at rest, no current", -0.06, 0.0, DT, TAU_M, E_L, R_M, run=_array),
        case("V = -65 mV, 250 pA, dt = 0.1 ms", -0.065, I_MEAN, DT, TAU_M, E_L, R_M, run=_array),
        case("8 potentials, 8 currents at once", v, np.linspace(-1e-10, 4e-10, 8), DT, TAU_M, E_L,
             R_M, run=_array),
        case("other parameters, dt = 1 ms", v, 3e-10, 1e-3, 0.01, -0.075, 50e6, run=_array),
    ]


def _sine_cases():
    return [
        case("t = 0 .. 30 ms in steps of 0.1 ms", np.arange(300) * DT, I_MEAN, run=_array),
        case("7 times, I_mean = 100 pA", np.linspace(0.0, 0.02, 7) + 0.0013, 1e-10, run=_array),
        case("one time t = 2.5 ms", 0.0025, I_MEAN, run=_array),
    ]


def _noisy_current_cases():
    return [
        case("1500 steps, dt = 0.1 ms, default_rng(1)", 1500, I_MEAN, T_MAX, DT, 1, run=_with_rng),
        case("150 steps, dt = 1 ms, default_rng(2)", 150, I_MEAN, T_MAX, 1e-3, 2, run=_with_rng),
        case("10 steps, 100 pA, t_max 1 ms, default_rng(3)", 10, 1e-10, 1e-3, DT, 3, run=_with_rng),
    ]


def _simulate_cases(with_refractory):
    n = int(round(T_MAX / DT))
    cases = [
        ("constant 250 pA, 150 ms", (np.full(n, I_MEAN), DT)),
        ("sinusoidal current, 150 ms", (_sine(n, DT), DT)),
        ("noisy current (default_rng(11)), 150 ms", (_noisy(n, DT, 11), DT)),
        ("constant 100 pA: never reaches threshold", (np.full(n, 1e-10), DT)),
        ("constant 400 pA, dt = 1 ms", (np.full(150, 4e-10), 1e-3)),
    ]
    out = []
    for label, (current, dt) in cases:
        args = (current, dt, T_REF) if with_refractory else (current, dt)
        out.append(case(label, *args, run=_arrays))
    other = (np.full(2000, 3e-10), 0.05e-3)
    # Dimensionless parameters with exact binary arithmetic (h = 0.5, E_L + R I = 1): v reaches
    # v_th = 0.5 exactly, in any order of the operations.
    exact = dict(tau_m=2.0, e_l=0.0, r_m=1.0, v_th=0.5, v_reset=0.0)
    plain = dict(exact, v_th=0.7)      # the type cases keep clear of the threshold
    ones = np.ones(8)
    if with_refractory:
        out.append(case("t_ref = 2 ms, other neuron parameters", *other, 2e-3, 0.01, -0.065, 80e6,
                        -0.052, -0.072, run=_arrays))
        out.append(case("t_ref = 0 (no refractory period)", np.full(n, I_MEAN), DT, 0.0,
                        run=_arrays))
        out.append(case("boundary: V reaches v_th exactly (>= fires), t_ref = 1 step", ones, 1.0,
                        1.0, run=_arrays, **exact))
        # n_ref = int(round(t_ref / dt)): 2.3e-3 / 1e-4 is 22.999999999999996 in floating point
        out.append(case("rounding: t_ref = 2.3 ms, dt = 0.1 ms holds 23 steps",
                        np.full(600, 4e-10), DT, 2.3e-3, run=_arrays))
        out.append(case("rounding: t_ref = 2.4 ms, dt = 1 ms holds 2 steps", np.full(150, 4e-10),
                        1e-3, 2.4e-3, run=_arrays))
        out.append(case("rounding: t_ref = 2.6 ms, dt = 1 ms holds 3 steps", np.full(150, 4e-10),
                        1e-3, 2.6e-3, run=_arrays))
        out.append(case("type: an integer current array gives float v and spike times",
                        np.array([0, 1, 1, 1, 2, 1, 1, 0]), 1.0, 1.0, run=typed, **plain))
    else:
        out.append(case("other neuron parameters", *other, 0.01, -0.065, 80e6, -0.052, -0.072,
                        run=_arrays))
        out.append(case("boundary: V reaches v_th exactly (>= fires)", ones, 1.0, run=_arrays,
                        **exact))
        out.append(case("type: an integer current array gives float v and spike times",
                        np.array([0, 1, 1, 1, 2, 1, 1, 0]), 1.0, run=typed, **plain))
    return out


def _stats_cases():
    rng = np.random.default_rng(5)
    walk = np.cumsum(rng.normal(size=(30, 6)), axis=1)
    return [
        case("6 trials x 5 samples", _noise(21, (6, 5)) * 3.0 + 1.0, run=_arrays),
        case("2 trials x 3 samples", np.array([[1.0, 2.0, 4.0], [3.0, 2.0, 0.0]]), run=_arrays),
        case("30 random walks x 6 samples", walk, run=_arrays),
    ]


def _autocov_cases():
    rng = np.random.default_rng(6)
    return [
        case("6 trials x 5 samples", _noise(22, (6, 5)), run=_array),
        case("2 trials x 3 samples", np.array([[1.0, 2.0, 4.0], [3.0, 2.0, 0.0]]), run=_array),
        case("30 random walks x 6 samples", np.cumsum(rng.normal(size=(30, 6)), axis=1) + 5.0,
             run=_array),
    ]


def _synaptic_cases():
    rng = np.random.default_rng(7)
    return [
        case("3 trials x 200 steps at 30 Hz, w = 0.05", rng.poisson(0.03, (3, 200)), 0.05, 0.1,
             1e-3, run=_array),
        case("inhibitory w = -0.2, tau_s = 50 ms, counts up to 3", rng.poisson(0.5, (2, 100)),
             -0.2, 0.05, 1e-3, run=_array),
        case("dt = 0.5 ms, one trial", rng.poisson(0.02, (1, 300)), 0.1, 0.02, 0.5e-3, run=_array),
    ]


def _campbell_cases():
    return [
        case("30 Hz, w = 0.05, tau_s = 0.1 s", 30.0, 0.05, 0.1, run=_floats),
        case("100 Hz, w = 0.03, tau_s = 20 ms", 100.0, 0.03, 0.02, run=_floats),
        case("5 Hz, w = -0.2, tau_s = 50 ms", 5.0, -0.2, 0.05, run=_floats),
    ]


SPIKE_DICT = {0: np.array([0.0123, 0.0257, 0.0391, 0.05, 0.0734]),
              1: np.array([0.005, 0.0257, 0.0868]),
              2: np.array([], dtype=float)}


def _window_cases():
    return [
        case("window [20 ms, 60 ms)", SPIKE_DICT, 0.02, 0.06, run=_dict_of_arrays),
        case("boundary: window starts exactly on a spike (0.0257) and ends on one (0.05)",
             SPIKE_DICT, 0.0257, 0.05, run=_dict_of_arrays),
        case("boundary: empty window [0.05, 0.05)", SPIKE_DICT, 0.05, 0.05, run=_dict_of_arrays),
        case("boundary: window ends exactly on the last spike (0.0868)", SPIKE_DICT, 0.0, 0.0868,
             run=_dict_of_arrays),
        case("boundary: neurons named by strings, window ends on a spike (0.3)",
             {"input": np.array([0.1, 0.2, 0.3]), "lif": np.array([0.15, 0.25])}, 0.12, 0.3,
             run=_dict_of_arrays),
        case("unsorted spike times keep their original order",
             {0: np.array([0.05, 0.0123, 0.0391, 0.021]), 1: np.array([0.09, 0.03])}, 0.015,
             0.08, run=_dict_of_arrays),
        case("type: a new dict of float numpy arrays; the input dict is not changed", SPIKE_DICT,
             0.02, 0.06, run=_window_kept_apart),
    ]


def _raster_cases():
    grid = {0: np.array([12, 345, 999]) * 1e-4, 1: np.array([0, 1, 2, 500]) * 1e-4,
            2: np.array([], dtype=float)}
    return [
        case("3 neurons, 20 bins of 1 ms", {0: np.array([0.0032, 0.0077, 0.0149]),
                                            1: np.array([0.0052, 0.0054, 0.0113]),
                                            2: np.array([0.0196, 0.0183])}, 20, 1e-3, run=_array),
        case("keys 7, 1, 3 (rows in sorted key order)", {7: np.array([0.0021]),
                                                          1: np.array([0.0008, 0.0062]),
                                                          3: np.array([0.0047])}, 8, 1e-3,
             run=_array),
        case("spike times on a 0.1 ms grid, 1000 bins", grid, 1000, 1e-4, run=_array),
        # columns rint(t / dt): -0.4 -> 0 (kept), -0.6 -> -1, -2.3 -> -2, 9.7 -> 10, 12.2 -> 12
        # (ignored with 10 bins); negative columns must not wrap around to the end.
        case("out of range: columns below 0 or above n_bins - 1 are ignored",
             {0: np.array([-0.0004, 0.0031, 0.0097]), 1: np.array([-0.0006, -0.0023, 0.0089]),
              2: np.array([0.0122, 0.0052])}, 10, 1e-3, run=_array),
        case("type: an integer array", {0: np.array([0.0011, 0.0029]), 1: np.array([0.0042])}, 6,
             1e-3, run=typed),
    ]


def _slope_cases():
    return [
        case("v = 0, s = 0", 0.0, 0.0, 0.02, 0.1, run=_run_slope),
        case("v = 0.5, s = 2, tau_m = 20 ms, tau_s = 100 ms", 0.5, 2.0, 0.02, 0.1, run=_run_slope),
        case("v = 0.9, s = -1, tau_m = 50 ms, tau_s = 200 ms", 0.9, -1.0, 0.05, 0.2,
             run=_run_slope),
        case("v = 0.3, s = 1.2, tau_s = inf (constant s)", 0.3, 1.2, 0.01, math.inf,
             run=_run_slope),
    ]


def _step_cases():
    return [
        case("s0 = 2 decaying with tau_s = 0.1 s, 200 steps of 1 ms", 0.02, 0.1, 0.002, 2.0, 1e-3,
             200, {}, run=_run_neuron),
        case("constant drive s = 1.5 (tau_s = inf), tau_ref = 2 ms, 300 steps", 0.02, math.inf,
             0.002, 1.5, 1e-3, 300, {}, run=_run_neuron),
        case("strong constant drive s = 4, tau_ref = 0, 150 steps", 0.02, math.inf, 0.0, 4.0,
             1e-3, 150, {}, run=_run_neuron),
        case("30 Hz input x 0.05 (the experiment of Part 6), 1000 steps", 0.02, 0.1, 0.002, 0.0, 1e-3, 1000,
             _kicks_from_train(30.0, 1.0, 1e-3, 0.05, 12), run=_run_neuron),
        case("tau_ref = 10 ms, dt = 0.5 ms, s = 3 constant", 0.02, math.inf, 0.01, 3.0, 0.5e-3,
             200, {}, run=_run_neuron),
        case("excitatory and inhibitory kicks, some during refractoriness", 0.01, 0.05, 0.003, 1.8,
             1e-3, 250, {20: 0.1, 22: 0.1, 60: -0.15, 90: 0.2, 91: 0.2, 150: -0.1},
             run=_run_neuron),
        # tau_m = 0.5, dt = 0.25, s = 2: v_new = 0 + 0.25 * 4 = 1 exactly (all in binary).
        case("boundary: v_new = 1 exactly (>= fires), tau_ref = 1 step", 0.5, math.inf, 0.25, 2.0,
             0.25, 8, {}, run=_run_neuron),
    ]


SPIKES_FOR_COUNTING = [0.0123, 0.0257, 0.0391, 0.05, 0.0734, 0.0868]


def _between_cases():
    s = SPIKES_FOR_COUNTING
    return [
        case("all spikes: [0, 1)", s, [(0.0, 1.0)], run=_run_spikes_between),
        case("windows strictly between spikes", s, [(0.02, 0.045), (0.06, 0.08), (0.09, 0.2)],
             run=_run_spikes_between),
        case("boundary: t0 on a spike, t1 between spikes", s, [(0.0257, 0.06), (0.0868, 0.1)],
             run=_run_spikes_between),
        case("boundary: t1 on a spike", s, [(0.03, 0.05), (0.0, 0.0123)],
             run=_run_spikes_between),
        case("boundary: t0 and t1 on spikes; t0 = t1", s,
             [(0.0257, 0.05), (0.05, 0.05), (0.0123, 0.0868)], run=_run_spikes_between),
        case("no spikes recorded", [], [(0.0, 1.0)], run=_run_spikes_between),
    ]


def _population_cases():
    kicks = {10: [0.1, 0.0, 0.05], 40: [0.0, 0.2, 0.2], 41: [0.1, 0.1, 0.1], 120: [-0.1, 0.0, 0.3]}
    single = {k: [w] for k, w in _kicks_from_train(30.0, 0.5, 1e-3, 0.05, 13).items()}
    return [
        case("4 neurons, constant drives 0.5, 1.5, 2.5, 4, 300 steps", 4, 0.02, math.inf, 0.002,
             [0.5, 1.5, 2.5, 4.0], 1e-3, 300, {}, run=_run_population),
        case("3 neurons with their own tau_m and tau_ref, kicks", 3, np.array([0.01, 0.02, 0.05]),
             0.1, np.array([0.0, 0.002, 0.005]), [1.2, 2.0, 3.0], 1e-3, 200, kicks,
             run=_run_population),
        case("1 neuron, 30 Hz input x 0.05, 500 steps", 1, 0.02, 0.1, 0.002, [0.0], 1e-3, 500,
             single, run=_run_population),
        case("boundary: v_new = 1 exactly for neuron 0 (>= fires), tau_ref = 1 step", 2, 0.5,
             math.inf, 0.25, [2.0, 1.0], 0.25, 8, {}, run=_run_population),
    ]


def _drive_cases():
    train = generate_spike_train([30.0], [1.0], rng=14)
    return [
        case("4 input spikes, two in one step, 100 ms", np.array([0.0123, 0.0304, 0.0307, 0.0815]),
             0.05, 0.1, 1e-3, run=_run_drive),
        case("30 Hz train (rng=14), 1 s, w = 0.05", train, 0.05, 1.0, 1e-3, run=_run_drive),
        case("inhibitory w = -0.2, dt = 0.5 ms, spike in the first step", np.array([0.0002, 0.0051,
             0.0122]), -0.2, 0.02, 0.5e-3, run=_run_drive),
        # n_steps = round(t_max / dt): 0.3 / 0.1 is 2.9999999999999996 in floating point
        case("rounding: t_max = 0.3 s, dt = 0.1 s is 3 steps", np.array([0.05, 0.15]), 0.1, 0.3,
             0.1, run=_run_drive),
    ]


def _rate_cases():
    currents = np.array([0.5, 0.99, 1.01, 1.2, 1.5, 2.0, 5.0, 10.0])
    return [
        case("tau_m = 20 ms, tau_ref = 2 ms", currents, 0.02, 0.002, run=_array),
        # the F-I curve is continuous but infinitely steep at I = 1: exactly 1 is its own case
        case("boundary: I = 1 exactly gives 0 Hz", np.array([1.0, 2.0]), 0.02, 0.002, run=_array),
        case("tau_m = 10 ms, tau_ref = 0", currents, 0.01, 0.0, run=_array),
        case("tau_m = 50 ms, tau_ref = 5 ms, strong drive", np.array([3.0, 30.0]), 0.05, 0.005,
             run=_array),
        case("type: an integer current array gives float rates", np.array([0, 1, 2, 3, 5]), 0.02,
             0.002, run=typed),
    ]


def _tau_eff_cases():
    return [
        case("dt = 1 ms, tau_m = 20 ms", 1e-3, 0.02, run=_one_float),
        case("dt = 0.1 ms, tau_m = 20 ms", 1e-4, 0.02, run=_one_float),
        case("dt = 5 ms, tau_m = 10 ms", 5e-3, 0.01, run=_one_float),
    ]


RESET_TO_REST = "wrong reset: V is reset to E_L instead of V_reset"
RESET_TO_THRESHOLD = "wrong reset: V is set to the threshold v_th instead of V_reset"
NOT_HELD = ("no refractory period: v moves in the step right after a spike instead of staying "
            "at 0 while t < t_spike + tau_ref")
ON_GRID = ("no interpolation: every spike time falls on the time grid (a multiple of dt) instead "
           "of between the two steps where v crosses 1")

CHECKS = [
    Check("euler_step", REF + "euler_step", _euler_cases, rtol=1e-9, atol=1e-12,
          mistakes={"wrong sign of the leak term: (V - E_L) instead of (E_L - V)":
                    WRONG + "euler_step_leak_sign",
                    "wrong sign in the Euler update: the increment is subtracted":
                    WRONG + "euler_step_subtracted"}),
    Check("sinusoidal_current", REF + "sinusoidal_current", _sine_cases, rtol=1e-9,
          atol=AMPERE_FLOOR,
          mistakes={"2 pi missing: sin(t / 0.01) instead of sin(2 pi t / 0.01)":
                    WRONG + "sinusoidal_current_no_two_pi"}),
    Check("noisy_current", REF + "noisy_current", _noisy_current_cases, rtol=1e-9,
          atol=AMPERE_FLOOR,
          mistakes={"noise not scaled by sqrt(t_max / dt)": WRONG + "noisy_current_unscaled",
                    "xi drawn from U(0, 1) instead of U(-1, 1)": WRONG + "noisy_current_zero_one"}),
    Check("simulate_lif", REF + "simulate_lif", lambda: _simulate_cases(False), rtol=1e-7,
          atol=1e-10,
          mistakes={"wrong sign of the leak term in the Euler update":
                    WRONG + "simulate_lif_leak_sign",
                    "the threshold test is V > v_th instead of V >= v_th":
                    WRONG + "simulate_lif_strict_threshold"},
          signs={RESET_TO_REST: WRONG + "reset_to_rest",
                 RESET_TO_THRESHOLD: WRONG + "reset_to_threshold",
                 "no reset after a spike: the stored V at a spike step is above v_th":
                 WRONG + "never_reset"}),
    Check("sample_statistics", REF + "sample_statistics", _stats_cases,
          mistakes={"variance normalised by N instead of N - 1":
                    WRONG + "sample_statistics_biased"}),
    Check("sample_autocovariance", REF + "sample_autocovariance", _autocov_cases,
          mistakes={"normalised by N instead of N - 1": WRONG + "sample_autocovariance_biased",
                    "the trial mean is not subtracted": WRONG + "sample_autocovariance_uncentred"}),
    Check("synaptic_current", REF + "synaptic_current", _synaptic_cases,
          mistakes={"a spike adds the weight w instead of w / tau_s":
                    WRONG + "synaptic_current_jump_weight"}),
    Check("campbell_moments", REF + "campbell_moments", _campbell_cases,
          mistakes={"jump taken as w instead of w / tau_s (E[s] = w nu tau_s)":
                    WRONG + "campbell_moments_jump_weight"}),
    Check("simulate_lif_refractory", REF + "simulate_lif_refractory",
          lambda: _simulate_cases(True), rtol=1e-7, atol=1e-10,
          signs={"no refractory period: V moves in the step right after a spike instead of "
                 "staying at V_reset for round(t_ref / dt) more steps":
                 WRONG + "not_held_after_spike",
                 RESET_TO_REST: WRONG + "reset_to_rest_refractory",
                 RESET_TO_THRESHOLD: WRONG + "reset_to_threshold_refractory"},
          mistakes={"refractory period one step too short":
                    WRONG + "simulate_lif_refractory_one_short",
                    "n_ref = int(t_ref / dt) truncates (2.3 ms / 0.1 ms gives 22, not 23): "
                    "use int(round(t_ref / dt))": WRONG + "simulate_lif_refractory_truncated"}),
    Check("spikes_in_window", REF + "spikes_in_window", _window_cases,
          mistakes={"off by one at the end: the window [t0, t1] includes t1":
                    WRONG + "spikes_in_window_closed"}),
    Check("binary_raster", REF + "binary_raster", _raster_cases,
          mistakes={"column floor(t / dt) instead of round(t / dt)": WRONG + "binary_raster_floor",
                    "negative columns wrap around to the end of the row":
                    WRONG + "binary_raster_wraps_negative",
                    "spikes counted instead of marked with 1": WRONG + "binary_raster_counts"}),
    Check("neuron_slope", REF + "LIFNeuron", _slope_cases,
          mistakes={"wrong sign: dv/dt = (v - s) / tau_m": WRONG + "LIFNeuronSlopeSign"}),
    Check("neuron_step", REF + "LIFNeuron", _step_cases, rtol=1e-7, atol=1e-9,
          signs={NOT_HELD: WRONG + "neuron_not_held",
                 ON_GRID: WRONG + "neuron_spikes_on_grid",
                 "the slope is computed after s has stepped: v moves towards the s at the end "
                 "of the step instead of the s at its start": WRONG + "slope_from_updated_s"},
          mistakes={"wrong reset: v - 1 instead of 0": WRONG + "LIFNeuronSubtractiveReset",
                    "wrong sign in the Euler update of v": WRONG + "LIFNeuronSlopeSign",
                    "the threshold test is v_new > 1 instead of v_new >= 1":
                    WRONG + "LIFNeuronStrictThreshold"}),
    Check("neuron_spikes_between", REF + "LIFNeuron", _between_cases,
          mistakes={"off by one: counts t0 <= t <= t1 (t1 included)":
                    WRONG + "LIFNeuronClosedInterval",
                    "off by one: counts t0 < t <= t1 (t0 excluded, t1 included)":
                    WRONG + "LIFNeuronOpenStart"}),
    Check("population_step", REF + "LIFPopulation", _population_cases, rtol=1e-7, atol=1e-9,
          signs={NOT_HELD: WRONG + "population_not_held",
                 ON_GRID: WRONG + "population_spikes_on_grid",
                 "one refractory state shared by the population: a neuron that has not fired "
                 "stops integrating when another neuron fires":
                 WRONG + "population_shared_refractory"}),
    Check("drive_with_input", REF + "drive_with_input", _drive_cases,
          mistakes={"no one-step delay: input spikes reach the neuron in the step they occur":
                    WRONG + "drive_without_delay",
                    "weight delivered once per step, not once per input spike":
                    WRONG + "drive_one_spike_per_step",
                    "n_steps = int(t_max / dt) truncates (0.3 / 0.1 gives 2, not 3): use "
                    "round(t_max / dt)": WRONG + "drive_truncated_steps"}),
    Check("lif_rate", REF + "lif_rate", _rate_cases,
          mistakes={"refractory period left out of the interspike interval":
                    WRONG + "lif_rate_no_refractory"}),
    Check("euler_tau_eff", REF + "euler_tau_eff", _tau_eff_cases,
          mistakes={"sign inside the logarithm: dt / ln(1 + dt / tau_m)":
                    WRONG + "euler_tau_eff_log_sign"}),
]


# Every rule the notebook states for a graded answer, and the hidden case that tests it
# (rule, check name, case label). tests/test_rules.py verifies that every label exists and that
# every boundary, type, rounding and out-of-range case is listed here.
RULES = [
    ("euler_step: V + dt/tau_m (E_L - V + R I)", "euler_step", "V = -65 mV, 250 pA, dt = 0.1 ms"),
    ("euler_step: works for floats", "euler_step", "at rest, no current"),
    ("euler_step: works for arrays, same shape", "euler_step", "8 potentials, 8 currents at once"),
    ("euler_step: tau_m, e_l, r_m are parameters", "euler_step", "other parameters, dt = 1 ms"),
    ("sinusoidal_current: I_mean (1 + sin(2 pi t / 0.01 s))", "sinusoidal_current",
     "t = 0 .. 30 ms in steps of 0.1 ms"),
    ("sinusoidal_current: i_mean is a parameter", "sinusoidal_current",
     "7 times, I_mean = 100 pA"),
    ("sinusoidal_current: a float t gives a current of the shape of t", "sinusoidal_current",
     "one time t = 2.5 ms"),
    ("noisy_current: one call rng.uniform(-1, 1, size=n_steps), I_mean (1 + 0.1 sqrt(t_max/dt) xi)",
     "noisy_current", "1500 steps, dt = 0.1 ms, default_rng(1)"),
    ("noisy_current: i_mean, t_max, dt are parameters; shape (n_steps,)", "noisy_current",
     "10 steps, 100 pA, t_max 1 ms, default_rng(3)"),
    ("simulate_lif: v[0] = e_l, v[k+1] = euler_step(v[k], i_inj[k]), spike at (k+1) dt, reset",
     "simulate_lif", "constant 250 pA, 150 ms"),
    ("simulate_lif: no spike gives spike_times of shape (0,)", "simulate_lif",
     "constant 100 pA: never reaches threshold"),
    ("simulate_lif: every neuron parameter is used", "simulate_lif", "other neuron parameters"),
    ("simulate_lif: a spike if v[k+1] >= v_th (equality fires)", "simulate_lif",
     "boundary: V reaches v_th exactly (>= fires)"),
    ("simulate_lif: v and spike_times are float arrays", "simulate_lif",
     "type: an integer current array gives float v and spike times"),
    ("sample_statistics: mean over trials, variance with N - 1, shape (T,)", "sample_statistics",
     "6 trials x 5 samples"),
    ("sample_statistics: N >= 2 (N = 2 works)", "sample_statistics", "2 trials x 3 samples"),
    ("sample_autocovariance: C[j, k] with N - 1, shape (T, T)", "sample_autocovariance",
     "6 trials x 5 samples"),
    ("sample_autocovariance: the trial mean is subtracted", "sample_autocovariance",
     "30 random walks x 6 samples"),
    ("synaptic_current: shape (N, T + 1), s[:, 0] = 0, Euler step plus jumps w/tau_s",
     "synaptic_current", "3 trials x 200 steps at 30 Hz, w = 0.05"),
    ("synaptic_current: counts may exceed 1; negative weights", "synaptic_current",
     "inhibitory w = -0.2, tau_s = 50 ms, counts up to 3"),
    ("synaptic_current: dt is a parameter", "synaptic_current", "dt = 0.5 ms, one trial"),
    ("campbell_moments: (w nu, w^2 nu / (2 tau_s))", "campbell_moments",
     "100 Hz, w = 0.03, tau_s = 20 ms"),
    ("simulate_lif_refractory: hold n_ref values after a spike, then resume",
     "simulate_lif_refractory", "constant 250 pA, 150 ms"),
    ("simulate_lif_refractory: t_ref = 0 equals simulate_lif", "simulate_lif_refractory",
     "t_ref = 0 (no refractory period)"),
    ("simulate_lif_refractory: n_ref = int(round(t_ref / dt)) (22.999... is 23)",
     "simulate_lif_refractory", "rounding: t_ref = 2.3 ms, dt = 0.1 ms holds 23 steps"),
    ("simulate_lif_refractory: rounding down below half a step", "simulate_lif_refractory",
     "rounding: t_ref = 2.4 ms, dt = 1 ms holds 2 steps"),
    ("simulate_lif_refractory: rounding up above half a step", "simulate_lif_refractory",
     "rounding: t_ref = 2.6 ms, dt = 1 ms holds 3 steps"),
    ("simulate_lif_refractory: v >= v_th fires (equality)", "simulate_lif_refractory",
     "boundary: V reaches v_th exactly (>= fires), t_ref = 1 step"),
    ("simulate_lif_refractory: float arrays", "simulate_lif_refractory",
     "type: an integer current array gives float v and spike times"),
    ("spikes_in_window: t0 <= t < t1 (start included, end excluded)", "spikes_in_window",
     "boundary: window starts exactly on a spike (0.0257) and ends on one (0.05)"),
    ("spikes_in_window: t0 = t1 keeps nothing", "spikes_in_window",
     "boundary: empty window [0.05, 0.05)"),
    ("spikes_in_window: the end is excluded also at the last spike", "spikes_in_window",
     "boundary: window ends exactly on the last spike (0.0868)"),
    ("spikes_in_window: same keys, whatever they are", "spikes_in_window",
     "boundary: neurons named by strings, window ends on a spike (0.3)"),
    ("spikes_in_window: times in their original order", "spikes_in_window",
     "unsorted spike times keep their original order"),
    ("spikes_in_window: a new dict of float arrays; the input is not modified",
     "spikes_in_window", "type: a new dict of float numpy arrays; the input dict is not changed"),
    ("binary_raster: row i is the i-th key of sorted(spike_dict)", "binary_raster",
     "keys 7, 1, 3 (rows in sorted key order)"),
    ("binary_raster: column round(t / dt); several spikes in a column give 1", "binary_raster",
     "3 neurons, 20 bins of 1 ms"),
    ("binary_raster: grid times land in their own column", "binary_raster",
     "spike times on a 0.1 ms grid, 1000 bins"),
    ("binary_raster: columns outside 0 .. n_bins - 1 are ignored", "binary_raster",
     "out of range: columns below 0 or above n_bins - 1 are ignored"),
    ("binary_raster: an integer array of 0 and 1", "binary_raster", "type: an integer array"),
    # Not tested on purpose: a spike exactly half-way between two grid times (np.rint rounds
    # half to even, floor(t/dt + 0.5) up; the text only names np.rint as a hint).
    ("slope: store (s - v)/tau_m and -s/tau_s and return them as a tuple", "neuron_slope",
     "v = 0.5, s = 2, tau_m = 20 ms, tau_s = 100 ms"),
    ("slope: tau_s = inf gives ds/dt = 0", "neuron_slope",
     "v = 0.3, s = 1.2, tau_s = inf (constant s)"),
    ("step: Euler steps from the slopes at the start; s always steps", "neuron_step",
     "s0 = 2 decaying with tau_s = 0.1 s, 200 steps of 1 ms"),
    ("step: v held at 0 while t < ref_end; interpolated spike time; reset to 0", "neuron_step",
     "constant drive s = 1.5 (tau_s = inf), tau_ref = 2 ms, 300 steps"),
    ("step: tau_ref = 0", "neuron_step", "strong constant drive s = 4, tau_ref = 0, 150 steps"),
    ("step: received input between steps (and during refractoriness)", "neuron_step",
     "excitatory and inhibitory kicks, some during refractoriness"),
    ("step: v_new >= 1 fires (equality)", "neuron_step",
     "boundary: v_new = 1 exactly (>= fires), tau_ref = 1 step"),
    ("step: returns 1 if the neuron spiked in this step, else 0 (all step cases)", "neuron_step",
     "constant drive s = 1.5 (tau_s = inf), tau_ref = 2 ms, 300 steps"),
    ("spikes_between: t0 <= t < t1", "neuron_spikes_between", "boundary: t1 on a spike"),
    ("spikes_between: the start is included", "neuron_spikes_between",
     "boundary: t0 on a spike, t1 between spikes"),
    ("spikes_between: t0 = t1 counts nothing", "neuron_spikes_between",
     "boundary: t0 and t1 on spikes; t0 = t1"),
    ("LIFPopulation: each neuron exactly like an LIFNeuron", "population_step",
     "4 neurons, constant drives 0.5, 1.5, 2.5, 4, 300 steps"),
    ("LIFPopulation: parameters may be arrays of shape (n,)", "population_step",
     "3 neurons with their own tau_m and tau_ref, kicks"),
    ("LIFPopulation: v_new >= 1 fires (equality)", "population_step",
     "boundary: v_new = 1 exactly for neuron 0 (>= fires), tau_ref = 1 step"),
    ("LIFPopulation.step returns a bool array (n,) (all population cases)", "population_step",
     "4 neurons, constant drives 0.5, 1.5, 2.5, 4, 300 steps"),
    ("drive_with_input: input of step k arrives before step k + 1, weight x count",
     "drive_with_input", "4 input spikes, two in one step, 100 ms"),
    ("drive_with_input: n_steps = round(t_max / dt) (2.999... is 3)", "drive_with_input",
     "rounding: t_max = 0.3 s, dt = 0.1 s is 3 steps"),
    ("lif_rate: 1 / (tau_ref + tau_m ln(I / (I - 1))) for I > 1", "lif_rate",
     "tau_m = 20 ms, tau_ref = 2 ms"),
    ("lif_rate: 0 where I <= 1 (I = 1 exactly)", "lif_rate", "boundary: I = 1 exactly gives 0 Hz"),
    ("lif_rate: a float array of shape (n,)", "lif_rate",
     "type: an integer current array gives float rates"),
    ("euler_tau_eff: -dt / ln(1 - dt/tau_m)", "euler_tau_eff", "dt = 5 ms, tau_m = 10 ms"),
]
