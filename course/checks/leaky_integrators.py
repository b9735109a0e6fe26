"""Hidden checks of `leaky_integrators`: fixed inputs (public) and where the reference lives.

Results are compared in the grader with `solutions.leaky`; tolerances are loose enough for any
correct Euler implementation (summation order changes only the last bits) and far tighter than
any of the listed mistakes.
"""
import numpy as np

from course.checking import Check, case, typed

REF = "solutions.leaky:"
WRONG = "solutions.leaky_mistakes:"


def _value(target):
    return target


def raised(target, *args, **kwargs):
    """'ValueError' if `target` raises one (or a subclass), else the error's type or 'no error'."""
    try:
        target(*args, **kwargs)
    except ValueError:
        return "ValueError"
    except Exception as exc:  # any other error is reported by its type
        return type(exc).__name__
    return "no error"


def _is_array(target):
    return {"numpy array": isinstance(target, np.ndarray), "values": np.asarray(target, dtype=float)}


def _cosine(n_cycles, n_steps=100):
    return (np.cos(np.linspace(0.0, 2 * np.pi * n_cycles, n_steps)) + 1.0) / 2.0


def _noise(shape, seed):
    return np.random.default_rng(seed).uniform(-1.0, 2.0, size=shape)


def _sparse_spikes(channels, steps, rate, seed):
    rng = np.random.default_rng(seed)
    return (rng.random((channels, steps)) < rate).astype(float)


def _integrator_cases():
    return [
        case("1000 ones, tau=1 (h=1)", np.ones(1000), 1.0),
        case("1000 ones, tau=10", np.ones(1000), 10.0),
        case("noisy input, tau=3.5", _noise(200, 1), 3.5),
        case("cosine, tau=5, dt=0.5", _cosine(3.0), 5.0, dt=0.5),
        case("start at v0=2, zero input", np.zeros(50), 4.0, v0=2.0),
        case("3 channels x 80 steps", _noise((3, 80), 2), 6.0),
        case("a list, not an array", [0.0, 1.0, 1.0, 0.0, 2.0], 2.0),
        case("type: a list gives a float numpy array", [0.0, 1.0, 1.0, 0.0, 2.0], 2.0, run=typed),
        case("type: integers give floats", np.array([[0, 1, 1, 0, 2, 3], [3, 0, 0, 1, 1, 0]]),
             2.0, run=typed),
    ]


def _lif_cases():
    return [
        case("constant 2.0, tau=5, threshold 1", np.full(60, 2.0), 5.0, 1.0),
        case("constant 0.5 below threshold 1", np.full(60, 0.5), 5.0, 1.0),
        case("slow cosine, tau=5, threshold 0.9", _cosine(2.5), 5.0, 0.9),
        case("noisy input, dt=0.5", _noise(300, 3), 4.0, 0.7, dt=0.5),
        case("reset to -0.5", np.full(80, 1.5), 3.0, 1.0, v_reset=-0.5),
        case("4 channels of spikes", _sparse_spikes(4, 300, 0.3, 4), 20.0, 0.1),
        # h = 1 and h = 0.5 with inputs 0.25, 0.5, 1: every v is exact in binary, so v equals
        # the threshold exactly, whatever the order of the operations.
        case("boundary: v equals the threshold 0.5 exactly (h = 1)",
             np.array([0.5, 0.5, 0.25, 0.5, 0.0, 1.0, 0.25]), 1.0, 0.5),
        case("boundary: v = 0.5, then 0.75 = the threshold exactly (h = 0.5)", np.ones(12), 2.0,
             0.75),
        case("type: integer input gives float spikes and membrane",
             np.array([[0, 2, 2, 2, 0, 3], [1, 1, 1, 1, 1, 1]]), 2.0, 1.0, run=typed),
    ]


def _spike_count_cases():
    return [
        case("the 2.5-cycle probe and faster ones", [0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0]),
        case("one probe, tau=2, threshold 0.8", [4.0], tau=2.0, threshold=0.8),
        case("200 steps", [1.0, 3.0, 30.0], n_steps=200),
        case("type: cycles as a numpy array give a numpy array", np.array([1.0, 2.5, 20.0]),
             run=typed),
    ]


def _filter_cases():
    return [
        case("cosine, tau=4", _cosine(2.5), 4.0),
        case("noisy input, tau=10, dt=2", _noise(150, 5), 10.0, dt=2.0),
        case("2 channels", _noise((2, 100), 6), 3.0),
        case("type: a list of integers gives a float numpy array", [0, 1, 1, 0, 2, 3], 2.0,
             run=typed),
    ]


def _band_cases():
    return [
        case("cosine, 2 and 20", _cosine(5.0), 2.0, 20.0),
        case("noisy input, 1.5 and 8, dt=0.5", _noise(200, 7), 1.5, 8.0, dt=0.5),
        case("2 channels", _noise((2, 120), 8), 3.0, 30.0),
        case("type: a list of integers gives a float numpy array", [0, 1, 1, 0, 2, 3, 1, 0],
             1.0, 4.0, run=typed),
        case("tau_fast > tau_slow raises ValueError", np.ones(10), 20.0, 2.0, run=raised),
        case("boundary: tau_fast == tau_slow raises ValueError", np.ones(10), 5.0, 5.0,
             run=raised),
    ]


def _surface_cases():
    return [
        case("20 channels x 400 ms, tau=20 ms", _sparse_spikes(20, 400, 0.05, 9), 20.0),
        case("5 channels, tau=5 ms, dt=0.5 ms", _sparse_spikes(5, 200, 0.1, 10), 5.0, dt=0.5),
        case("type: an integer spike matrix gives floats",
             _sparse_spikes(3, 50, 0.2, 13).astype(int), 4.0, run=typed),
    ]


def _lif_surface_cases():
    return [
        case("20 channels, tau=20 ms, threshold 0.1", _sparse_spikes(20, 400, 0.05, 11),
             20.0, 0.1),
        case("5 channels, tau=5 ms, threshold 0.3, dt=0.5", _sparse_spikes(5, 300, 0.2, 12),
             5.0, 0.3, dt=0.5),
        # h = 0.1: one spike lifts v from 0 to exactly 0.1, the threshold, in any order of
        # operations (1.0 / 10.0 and 0.1 are the same double).
        case("boundary: tau = 10 ms, one spike reaches the threshold 0.1 exactly",
             _sparse_spikes(6, 200, 0.1, 14), 10.0, 0.1),
        case("type: an integer spike matrix gives float spikes",
             _sparse_spikes(3, 80, 0.3, 15).astype(int), 5.0, 0.3, run=typed),
    ]


# Every rule the notebook states for a graded answer, and the hidden case that tests it
# ("check name", "case label"); None where a visible test or the compare hook covers it alone.
# tests/test_rules.py verifies that every label exists.
RULES = [
    ("input_data: a numpy array of 1000 ones, shape (1000,)",
     "input_data", "type: a numpy array"),
    ("leaky_integrator: v_n = v_{n-1} + h (x_n - v_{n-1}), h = dt/tau; entry n is v after "
     "sample n", "leaky_integrator", "1000 ones, tau=10"),
    ("leaky_integrator: dt is a parameter (h = dt/tau)", "leaky_integrator",
     "cosine, tau=5, dt=0.5"),
    ("leaky_integrator: v0 is the voltage before the first sample", "leaky_integrator",
     "start at v0=2, zero input"),
    ("leaky_integrator: (C, T) input, each channel its own v, time along the last axis",
     "leaky_integrator", "3 channels x 80 steps"),
    ("leaky_integrator: input may be a list", "leaky_integrator", "a list, not an array"),
    ("leaky_integrator: returns a float array of the input's shape (list input)",
     "leaky_integrator", "type: a list gives a float numpy array"),
    ("leaky_integrator: returns a float array (integer input)", "leaky_integrator",
     "type: integers give floats"),
    ("LIF: z_n = 1 if v_n >= threshold (equality fires)", "leaky_integrate_and_fire",
     "boundary: v equals the threshold 0.5 exactly (h = 1)"),
    ("LIF: >= at the threshold after integration from below", "leaky_integrate_and_fire",
     "boundary: v = 0.5, then 0.75 = the threshold exactly (h = 0.5)"),
    ("LIF: jump v <- (1 - z) v + z v_reset; the voltage starts at v_reset",
     "leaky_integrate_and_fire", "reset to -0.5"),
    ("LIF: membrane recorded after the jump", "leaky_integrate_and_fire",
     "constant 2.0, tau=5, threshold 1"),
    ("LIF: fires only if the input exceeds the threshold (constant input)",
     "leaky_integrate_and_fire", "constant 0.5 below threshold 1"),
    ("LIF: same conventions as leaky_integrator ((C, T), dt)", "leaky_integrate_and_fire",
     "4 channels of spikes"),
    ("LIF: spikes and membrane are float arrays (integer input)", "leaky_integrate_and_fire",
     "type: integer input gives float spikes and membrane"),
    ("lif_spike_counts: one count per entry of cycles, with tau, threshold, n_steps",
     "lif_spike_counts", "one probe, tau=2, threshold 0.8"),
    ("lif_spike_counts: n_steps is passed to cosine_signal", "lif_spike_counts", "200 steps"),
    ("lif_spike_counts: cycles may be a list or an array; returns a numpy array",
     "lif_spike_counts", "type: cycles as a numpy array give a numpy array"),
    ("silent_cycles: between 1 and 49.5 and silent (compare hook is_silent_probe)",
     "silent_cycles", "your choice"),
    ("high_pass: input minus leaky_integrator(input, tau, dt)", "high_pass",
     "noisy input, tau=10, dt=2"),
    ("high_pass: same shape as the input, float", "high_pass",
     "type: a list of integers gives a float numpy array"),
    ("band_pass: high_pass(x, tau_slow) - high_pass(x, tau_fast)", "band_pass",
     "cosine, 2 and 20"),
    ("band_pass: same shape as the input", "band_pass",
     "type: a list of integers gives a float numpy array"),
    ("band_pass: raise ValueError unless tau_fast < tau_slow", "band_pass",
     "tau_fast > tau_slow raises ValueError"),
    ("band_pass: equal time constants raise ValueError too", "band_pass",
     "boundary: tau_fast == tau_slow raises ValueError"),
    ("time_surface: one leaky integrator per channel, shape (C, T)", "time_surface",
     "20 channels x 400 ms, tau=20 ms"),
    ("time_surface: dt is a parameter", "time_surface", "5 channels, tau=5 ms, dt=0.5 ms"),
    ("time_surface: returns floats", "time_surface", "type: an integer spike matrix gives floats"),
    ("lif_time_surface: one LIF per channel, reset to 0, returns its spikes", "lif_time_surface",
     "20 channels, tau=20 ms, threshold 0.1"),
    ("lif_time_surface: with tau <= 10 ms one spike reaches threshold 0.1 and the output copies "
     "the input", "lif_time_surface",
     "boundary: tau = 10 ms, one spike reaches the threshold 0.1 exactly"),
    ("lif_time_surface: 0.0 or 1.0 (floats)", "lif_time_surface",
     "type: an integer spike matrix gives float spikes"),
]


CHECKS = [
    Check("input_data", REF + "INPUT_DATA", [case("the array", run=_value),
                                             case("type: a numpy array", run=_is_array)]),
    Check("leaky_integrator", REF + "leaky_integrator", _integrator_cases,
          rtol=1e-7, atol=1e-9,
          mistakes={"the output keeps the input's integer type (np.empty_like of an integer "
                    "array)": WRONG + "integrator_integer_output",
                    "the output lags one step (v stored before the update)":
                    WRONG + "integrator_lagged",
                    "the step is dt * tau instead of dt / tau": WRONG + "integrator_step_tau",
                    "dt is ignored (h = 1/tau always)": WRONG + "integrator_ignores_dt"}),
    Check("leaky_integrate_and_fire", REF + "leaky_integrate_and_fire", _lif_cases,
          rtol=1e-7, atol=1e-9,
          signs={"the membrane is never reset: after a spike the next step starts from the "
                 "value above the threshold": WRONG + "lif_continues_unreset",
                 "the membrane is recorded before the reset: the stored v at a spike is above "
                 "the threshold, though the next step starts from v_reset":
                 WRONG + "lif_stored_before_jump"},
          mistakes={"the jump sets v to 1 instead of v_reset": WRONG + "lif_reset_to_one",
                    "the threshold test is v > threshold instead of v >= threshold":
                    WRONG + "lif_strict_threshold"}),
    Check("lif_spike_counts", REF + "lif_spike_counts", _spike_count_cases),
    Check("silent_cycles", REF + "SILENT_CYCLES", [case("your choice", run=_value)],
          compare=REF + "is_silent_probe"),
    Check("high_pass", REF + "high_pass", _filter_cases, rtol=1e-7, atol=1e-9,
          mistakes={"it returns the low-pass (leaky integrator) output instead of the input "
                    "minus it": WRONG + "high_pass_returns_low_pass"}),
    Check("band_pass", REF + "band_pass", _band_cases, rtol=1e-7, atol=1e-9,
          mistakes={"the two filters are subtracted the wrong way round":
                    WRONG + "band_pass_swapped",
                    "equal time constants are accepted: the test is tau_fast > tau_slow "
                    "instead of tau_fast >= tau_slow": WRONG + "band_pass_allows_equal"},
          # two of its six cases are "raises ValueError": a function that only raises passes them
          credit="all"),
    Check("time_surface", REF + "time_surface", _surface_cases, rtol=1e-7, atol=1e-9),
    Check("lif_time_surface", REF + "lif_time_surface", _lif_surface_cases),
]
