"""Hidden checks of `neuron_models`: fixed inputs (public) and where the reference lives.

The grader compares with `solutions.integrate_fire`, `solutions.hh` and `solutions.adex`. How the
tolerances were chosen (tests/test_neuron_models_checks.py verifies each claim):

* Closed forms (fixed points, LIF and QIF rates, rheobase, gating functions away from their
  singularities) differ between correct implementations by rounding only: rtol 1e-9.
* Gating rates near V = -40 and -55 mV (HH) and -29.7, -45.7 mV (Connor-Stevens): the formula
  x / (1 - exp(-x/10)) loses about eps / |x/10| of its digits by cancellation, so an
  implementation that only replaces the exact singular point by its limit is accurate to ~1e-12
  at the 1e-3 mV offsets of the cases; rtol 1e-6 accepts that and any Taylor branch used
  within 1e-6 mV of the point, while the unit slips (factors of 1000) are far outside.
* Simulations (Euler, exponential Euler) differ by rounding, ~1e-16 relative per operation.
  Between spikes the dynamics contract; during a spike upstroke they stretch differences by up
  to ~2e4 over the cases' few thousand steps (measured by perturbing inputs by 1e-11: HH and
  Connor-Stevens traces then move by up to 2e-7 mV). Rounding thus moves traces by ~1e-11;
  AdEx traces use rtol = atol = 1e-7 (mV, pA), HH and Connor-Stevens traces 1e-6, while every
  listed mistake changes a trace by millivolts.
* Threshold decisions (spike counts, spike steps) could flip only if a value landed within
  rounding of the threshold; the cases are chosen so none does (perturbing any input by a relative
  1e-11 changes no verdict), and no LIF input equals the threshold exactly.
* Least-squares fits: the optimum is unique for these curves; a correct optimiser stops within
  ~1e-6 relative of it (scipy's curve_fit with default tolerances: ~1e-8), so parameters use
  rtol 1e-4 and the residual sum of squares rtol 1e-6 relative to itself plus 1e-4 of its scale.
"""
from __future__ import annotations

import numpy as np

from course.checking import Check, case

IF = "solutions.integrate_fire:"
HH = "solutions.hh:"
ADEX = "solutions.adex:"
WRONG = "solutions.neuron_models_mistakes:"

# Parameters the cases use (their sources are in the solutions modules and the notebook).
RS = dict(c_m=281.0, g_l=30.0, e_l=-70.6, v_t=-50.4, delta_t=2.0, a=4.0, tau_w=144.0, b=80.5,
          v_r=-70.6, v_peak=-40.4)
ELIF = dict(RS, a=0.0, b=0.0)


def _naud(c_m, g_l, e_l, a, tau_w, b, v_r):
    return dict(c_m=c_m, g_l=g_l, e_l=e_l, v_t=-50.0, delta_t=2.0, a=a, tau_w=tau_w, b=b,
                v_r=v_r, v_peak=0.0)


TONIC = _naud(200.0, 10.0, -70.0, 2.0, 30.0, 0.0, -58.0)
ADAPTING = _naud(200.0, 12.0, -70.0, 2.0, 300.0, 60.0, -58.0)
INITIAL_BURST = _naud(130.0, 18.0, -58.0, 4.0, 150.0, 120.0, -50.0)
BURSTING = _naud(200.0, 10.0, -58.0, 2.0, 120.0, 100.0, -46.0)


# ----- adapters: run a target and return plain numbers -------------------------------------------

def _points(target, *args):
    return [[float(v), str(kind)] for v, kind in target(*args)]


def _array(target, *args, **kwargs):
    return np.asarray(target(*args, **kwargs), dtype=float)


def _floats(target, *args):
    return [float(x) for x in target(*args)]


def _arrays(target, *args, **kwargs):
    return [np.asarray(x, dtype=float) for x in target(*args, **kwargs)]


def _one_float(target, *args):
    return float(target(*args))


def _label(target, *args):
    return str(target(*args))


def _adex_run(target, current, dt, params):
    v, w, spikes = target(current, dt, dict(params))
    return {"v": np.asarray(v, dtype=float), "w": np.asarray(w, dtype=float),
            "spike steps": np.flatnonzero(np.asarray(spikes, dtype=bool).ravel())}


def _with_rng(target, n_steps, dt, hold, low, high, seed):
    return np.asarray(target(n_steps, dt, hold, low, high, np.random.default_rng(seed)),
                      dtype=float)


def _value(target):
    return {str(k): str(v) for k, v in dict(target).items()}


def _step(n_steps, amplitude, on=0):
    current = np.zeros(n_steps)
    current[on:] = amplitude
    return current


# ----- fixed inputs ------------------------------------------------------------------------------

V0_GRID = np.linspace(0.0, 20.0, 21) + 0.25      # never exactly on the LIF threshold 10


def _fixed_point_cases():
    return [
        case("LIF, V0 = 5", 5.0, "lif", run=_points),
        case("LIF, V0 = -3", -3.0, "lif", run=_points),
        case("QIF, V0 = -4: two fixed points", -4.0, "qif", run=_points),
        case("QIF, V0 = -0.01", -0.01, "qif", run=_points),
        case("boundary: QIF, V0 = 0 (saddle-node)", 0.0, "qif", run=_points),
        case("QIF, V0 = 2.5: none", 2.5, "qif", run=_points),
    ]


def _simulate_if_cases():
    return [
        case("LIF, Brian2's parameters, 21 inputs 0.25 .. 20.25 mV, 1 s", V0_GRID, "lif",
             run=_array),
        case("QIF, Brian2's parameters, 21 inputs, 1 s", V0_GRID, "qif", run=_array),
        case("QIF, V0 < 0 and tiny V0 > 0, 300 ms", np.array([-2.0, -0.3, 0.004, 0.7, 9.0]),
             "qif", 300.0, run=_array),
        case("QIF, tau 20 ms, v_th 5, v_reset -2, t_ref 2 ms, dt 0.05 ms, 400 ms",
             np.array([0.3, 1.7, 4.2, 12.0]), "qif", 400.0, 0.05, 20.0, 5.0, -2.0, 2.0,
             run=_array),
        case("LIF without refractory period (t_ref = 0), 2 x 3 inputs",
             np.array([[10.5, 12.25, 15.5], [20.75, 30.25, 3.0]]), "lif", 500.0, 0.1, 10.0,
             10.0, 0.0, 0.0, run=_array),
    ]


def _lif_rate_cases():
    return [
        case("Brian2's parameters, 21 inputs", V0_GRID, run=_array),
        case("boundary: V0 equal to the threshold gives 0 Hz", np.array([10.0, 10.0001, 50.0]),
             run=_array),
        case("tau 20 ms, v_th 15, v_reset 5, t_ref 0", np.array([3.0, 16.0, 40.0]), 20.0, 15.0,
             5.0, 0.0, run=_array),
    ]


def _qif_rate_cases():
    return [
        case("Brian2's parameters, 21 inputs", V0_GRID, run=_array),
        case("boundary: V0 <= 0 gives 0 Hz", np.array([-3.0, 0.0, 1e-6, 1.0]), run=_array),
        case("tau 20 ms, v_th 5, v_reset -2, t_ref 2 ms", np.array([0.3, 1.7, 4.2, 12.0]), 20.0,
             5.0, -2.0, 2.0, run=_array),
        case("v_th 1000 (close to the limit sqrt(V0) / (pi tau))", np.array([1.0, 4.0, 100.0]),
             10.0, 1000.0, -1000.0, 0.0, run=_array),
    ]


def _lif_curve():
    from math import log
    x = np.linspace(0.0, 20.0, 41)
    y = np.array([1000.0 / (5.0 + 10.0 * log(v / (v - 10.0))) if v > 10 else 0.0 for v in x])
    return x, y


def _qif_curve():
    x = np.linspace(0.0, 20.0, 41)
    root = np.sqrt(np.maximum(x, 1e-300))
    y = np.where(x > 0, 1000.0 / (5.0 + 10.0 / root * np.arctan(10.0 / root)), 0.0)
    return x, y


def _noisy_sigmoid():
    rng = np.random.default_rng(31)
    x = np.linspace(0.0, 10.0, 30)
    return x, 80.0 / (1.0 + np.exp(-(x - 4.2) / 1.3)) + rng.normal(0.0, 2.0, x.size)


def _noisy_relu():
    rng = np.random.default_rng(32)
    x = np.linspace(0.0, 10.0, 25)
    return x, np.maximum(0.0, 12.0 * (x - 3.55)) + rng.normal(0.0, 1.5, x.size)


def _fit_cases():
    return [
        case("LIF F-I curve (closed form, 41 inputs 0 .. 20 mV)", *_lif_curve(), run=_floats),
        case("QIF F-I curve (closed form, 41 inputs)", *_qif_curve(), run=_floats),
        case("noisy sigmoid (rng seed 31)", *_noisy_sigmoid(), run=_floats),
        case("noisy ReLU (rng seed 32)", *_noisy_relu(), run=_floats),
    ]


SINGULAR_HH = np.array([-40.0, -55.0, -40.001, -39.999, -55.001, -54.999])
SINGULAR_CS = np.array([-29.7, -45.7, -29.701, -29.699, -45.701, -45.699])


def _hh_rate_cases():
    return [
        case("boundary: V = -40 and -55 mV exactly, and 1e-3 mV either side", SINGULAR_HH,
             run=_arrays),
        case("-100 .. 50 mV in steps of 7.5 mV", np.linspace(-100.0, 50.0, 21), run=_arrays),
        case("a single float, V = -65 mV", -65.0, run=_arrays),
        case("a 2 x 2 array", np.array([[-80.0, -30.0], [0.0, 20.0]]), run=_arrays),
    ]


def _cs_gate_cases():
    return [
        case("boundary: V = -29.7 and -45.7 mV exactly, and 1e-3 mV either side", SINGULAR_CS,
             run=_arrays),
        case("-100 .. 50 mV in steps of 7.5 mV", np.linspace(-100.0, 50.0, 21), run=_arrays),
        case("a single float, V = -68 mV", -68.0, run=_arrays),
    ]


def _simulate_hh_cases():
    return [
        case("I_e/A = 100 nA/mm^2, 20 ms", 100.0, 20.0, run=_array),
        case("I_e/A = 0, 50, 150, 300 nA/mm^2 at once, 15 ms", np.array([0.0, 50.0, 150.0, 300.0]),
             15.0, run=_array),
        case("dt = 0.005 ms, 200 nA/mm^2, 8 ms", 200.0, 8.0, 0.005, run=_array),
        case("start at -70 mV (gates at their steady state there), 30 nA/mm^2, 10 ms", 30.0,
             10.0, 0.01, -70.0, run=_array),
    ]


def _simulate_cs_cases():
    return [
        case("standard g_A, I_e/A = 200 nA/mm^2, 20 ms", 200.0, 20.0, run=_array),
        case("g_A = 0 with E_L = -17 mV fires without input, 20 ms", 0.0, 20.0, 0.01, 0.0,
             -17.0, run=_array),
        case("three g_A, three leak reversals, 150 nA/mm^2, 15 ms", 150.0, 15.0, 0.01,
             np.array([0.0, 0.2, 0.477]), np.array([-67.87, -46.54, -17.0]), -68.0, run=_array),
    ]


def _fi_onset_cases():
    currents = np.arange(0.0, 101.0, 10.0)
    return [
        case("type II: a jump to 57 Hz at 70", currents,
             np.array([0, 0, 0, 0, 0, 0, 0, 57.5, 60, 65, 67.5]), run=_floats),
        case("type I: rates rise from 2 Hz at 40", currents,
             np.array([0, 0, 0, 0, 2.0, 11, 19, 25, 30, 34, 37]), run=_floats),
        case("fires already at the first current", currents[:4], np.array([5.0, 8, 9, 10]),
             run=_floats),
        case("never fires: (nan, 0)", currents[:3], np.zeros(3), run=_floats),
    ]


def _simulate_adex_cases():
    rng = np.random.default_rng(41)
    random_current = np.repeat(rng.uniform(0.0, 1500.0, 60), 50)    # 5 ms levels, 300 ms
    two = np.stack([_step(2000, 700.0, 100), _step(2000, 1200.0, 100)], axis=1)
    return [
        case("regular spiking (Brette & Gerstner 2005), 1 nA step at 20 ms, 200 ms",
             _step(2000, 1000.0, 200), 0.1, RS, run=_adex_run),
        case("ELIF (a = b = 0), 600 pA, 300 ms", _step(3000, 600.0), 0.1, ELIF, run=_adex_run),
        case("random steps 0 .. 1.5 nA every 5 ms (rng seed 41), 300 ms", random_current, 0.1, RS,
             run=_adex_run),
        case("bursting (Naud et al. 2008), 210 pA, 400 ms", _step(4000, 210.0), 0.1, BURSTING,
             run=_adex_run),
        case("two neurons at once (700 and 1200 pA columns), 200 ms", two, 0.1, RS,
             run=_adex_run),
        case("tonic (Naud et al. 2008), dt = 0.05 ms, 500 pA, 100 ms", _step(2000, 500.0), 0.05,
             TONIC, run=_adex_run),
    ]


def _random_step_cases():
    return [
        case("1000 steps of 0.1 ms, a level every 5 ms, 0 .. 1000 pA, rng seed 1", 1000, 0.1, 5.0,
             0.0, 1000.0, 1, run=_with_rng),
        case("1003 steps (last level cut short), every 2 ms, -200 .. 300 pA, rng seed 2", 1003, 0.1,
             2.0, -200.0, 300.0, 2, run=_with_rng),
        case("dt = 0.05 ms, every 1 ms, rng seed 3", 97, 0.05, 1.0, 100.0, 200.0, 3, run=_with_rng),
    ]


def _rheobase_cases():
    return [
        case("ELIF (a = 0)", ELIF, run=_one_float),
        case("regular spiking, a = 4 nS", RS, run=_one_float),
        case("initial burst (Naud et al. 2008), a = 4 nS, g_L = 18 nS", INITIAL_BURST,
             run=_one_float),
        case("negative a = -5 nS", dict(TONIC, a=-5.0), run=_one_float),
    ]


def _classify_cases():
    return [
        case("tonic: 10, 10.3, 10.1, 10.2, 10 ms", np.cumsum([5.0, 10, 10.3, 10.1, 10.2, 10]),
             run=_label),
        case("adapting: ISIs 10, 12, 15, 19, 24, 25 ms", np.cumsum([3.0, 10, 12, 15, 19, 24, 25]),
             run=_label),
        case("initial burst: 4, 5, then 40 ms ISIs", np.cumsum([2.0, 4, 5, 40, 41, 40, 40, 41]),
             run=_label),
        case("bursting: pairs 5 ms apart every 100 ms",
             np.cumsum([1.0, 5, 95, 5, 95, 5, 95, 5, 95]), run=_label),
        case("bursting beats initial burst: short ISIs first, then bursts",
             np.cumsum([1.0, 3, 4, 60, 4, 60, 4, 60, 4]), run=_label),
        case("too few spikes: 4 spikes", np.array([10.0, 30.0, 55.0, 90.0]), run=_label),
        case("too few spikes: none", np.array([], dtype=float), run=_label),
        case("adapting, not initial burst: ratio 2.9 between the first ISIs",
             np.cumsum([0.0, 10, 29, 32, 34, 35, 36]), run=_label),
    ]


def _isi_rate_cases():
    return [
        case("5 spikes", np.array([12.0, 22.0, 37.0, 57.0, 82.0]), run=_floats),
        case("2 spikes", np.array([100.0, 104.0]), run=_floats),
        case("one spike gives (0, 0)", np.array([5.0]), run=_floats),
        case("no spikes gives (0, 0)", np.array([], dtype=float), run=_floats),
    ]


def _effect_cases():
    return [case("six parameters", run=_value)]


CHECKS = [
    Check("fixed_points", IF + "fixed_points", _fixed_point_cases, rtol=1e-9, atol=1e-12,
          mistakes={"stable and unstable exchanged": WRONG + "fixed_points_swapped"}),
    Check("simulate_if", IF + "simulate_if", _simulate_if_cases, rtol=1e-9, atol=1e-9,
          mistakes={"QIF threshold crossed without a reset (V runs off and every step above "
                    "threshold counts)": WRONG + "simulate_if_no_reset"}),
    Check("lif_rate", IF + "lif_rate", _lif_rate_cases, rtol=1e-9, atol=1e-9),
    Check("qif_rate", IF + "qif_rate", _qif_rate_cases, rtol=1e-9, atol=1e-9),
    Check("fit_relu", IF + "fit_relu", _fit_cases, rtol=1e-4, atol=1e-6),
    Check("fit_sigmoid", IF + "fit_sigmoid", _fit_cases, rtol=1e-4, atol=1e-6),
    Check("hh_rates", HH + "hh_rates", _hh_rate_cases, rtol=1e-6, atol=1e-12,
          mistakes={"HH unit slip: rates per second instead of per millisecond (ms vs s)":
                    WRONG + "hh_rates_per_second",
                    "HH unit slip: V in volts inside the rate formulas (mV vs V)":
                    WRONG + "hh_rates_volts"}),
    Check("simulate_hh", HH + "simulate_hh", _simulate_hh_cases, rtol=1e-6, atol=1e-6,
          mistakes={"gating variables started away from steady state (n = m = h = 0)":
                    WRONG + "simulate_hh_gates_zero",
                    "HH unit slip: V in volts inside the rate formulas (mV vs V)":
                    WRONG + "simulate_hh_volts"}),
    Check("cs_gates", HH + "cs_gates", _cs_gate_cases, rtol=1e-6, atol=1e-12,
          mistakes={"unit slip: time constants in seconds instead of milliseconds (ms vs s)":
                    WRONG + "cs_gates_per_second"}),
    Check("simulate_cs", HH + "simulate_cs", _simulate_cs_cases, rtol=1e-6, atol=1e-6,
          mistakes={"gating variables started away from steady state (all gates 0)":
                    WRONG + "simulate_cs_gates_zero"}),
    Check("fi_onset", HH + "fi_onset", _fi_onset_cases, rtol=1e-9, atol=1e-9),
    Check("simulate_adex", ADEX + "simulate_adex", _simulate_adex_cases, rtol=1e-7, atol=1e-7,
          mistakes={"wrong sign of the exponential term": WRONG + "simulate_adex_exp_sign",
                    "adaptation jumps by b / tau_w instead of b":
                    WRONG + "simulate_adex_jump_b_over_tau"},
          signs={"reset to threshold: V is set to V_T instead of V_r after a spike":
                 WRONG + "adex_reset_to_threshold"}),
    Check("random_step_current", ADEX + "random_step_current", _random_step_cases, rtol=1e-9,
          atol=1e-9),
    Check("adex_rheobase", ADEX + "adex_rheobase", _rheobase_cases, rtol=1e-9, atol=1e-9,
          mistakes={"adaptation left out: g_L (V_T - E_L - Delta_T) for every a":
                    WRONG + "adex_rheobase_no_adaptation"}),
    Check("classify_firing", ADEX + "classify_firing", _classify_cases),
    Check("isi_rates", ADEX + "isi_rates", _isi_rate_cases, rtol=1e-9, atol=1e-9),
    Check("effects", ADEX + "EFFECTS", _effect_cases),
]
