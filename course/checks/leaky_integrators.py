"""Hidden checks of `leaky_integrators`: fixed inputs (public) and where the reference lives.

Results are compared in the grader with `solutions.leaky`; tolerances are loose enough for any
correct Euler implementation (summation order changes only the last bits) and far tighter than
any of the listed mistakes.
"""
import numpy as np

from course.checking import Check, case

REF = "solutions.leaky:"
WRONG = "solutions.leaky_mistakes:"


def _value(target):
    return target


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
    ]


def _lif_cases():
    return [
        case("constant 2.0, tau=5, threshold 1", np.full(60, 2.0), 5.0, 1.0),
        case("constant 0.5 below threshold 1", np.full(60, 0.5), 5.0, 1.0),
        case("slow cosine, tau=5, threshold 0.9", _cosine(2.5), 5.0, 0.9),
        case("noisy input, dt=0.5", _noise(300, 3), 4.0, 0.7, dt=0.5),
        case("reset to -0.5", np.full(80, 1.5), 3.0, 1.0, v_reset=-0.5),
        case("4 channels of spikes", _sparse_spikes(4, 300, 0.3, 4), 20.0, 0.1),
    ]


def _spike_count_cases():
    return [
        case("the seed's probe and faster ones", [0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0]),
        case("one probe, tau=2, threshold 0.8", [4.0], tau=2.0, threshold=0.8),
        case("200 steps", [1.0, 3.0, 30.0], n_steps=200),
    ]


def _filter_cases():
    return [
        case("cosine, tau=4", _cosine(2.5), 4.0),
        case("noisy input, tau=10, dt=2", _noise(150, 5), 10.0, dt=2.0),
        case("2 channels", _noise((2, 100), 6), 3.0),
    ]


def _band_cases():
    return [
        case("cosine, 2 and 20", _cosine(5.0), 2.0, 20.0),
        case("noisy input, 1.5 and 8, dt=0.5", _noise(200, 7), 1.5, 8.0, dt=0.5),
        case("2 channels", _noise((2, 120), 8), 3.0, 30.0),
    ]


def _surface_cases():
    return [
        case("20 channels x 400 ms, tau=20 ms", _sparse_spikes(20, 400, 0.05, 9), 20.0),
        case("5 channels, tau=5 ms, dt=0.5 ms", _sparse_spikes(5, 200, 0.1, 10), 5.0, dt=0.5),
    ]


def _lif_surface_cases():
    return [
        case("20 channels, tau=20 ms, threshold 0.1", _sparse_spikes(20, 400, 0.05, 11),
             20.0, 0.1),
        case("5 channels, tau=5 ms, threshold 0.3, dt=0.5", _sparse_spikes(5, 300, 0.2, 12),
             5.0, 0.3, dt=0.5),
    ]


CHECKS = [
    Check("input_data", REF + "INPUT_DATA", [case("the array", run=_value)]),
    Check("leaky_integrator", REF + "leaky_integrator", _integrator_cases,
          rtol=1e-7, atol=1e-9,
          mistakes={"the output lags one step (v stored before the update)":
                    WRONG + "integrator_lagged",
                    "the step is dt * tau instead of dt / tau": WRONG + "integrator_step_tau",
                    "dt is ignored (h = 1/tau always)": WRONG + "integrator_ignores_dt"}),
    Check("leaky_integrate_and_fire", REF + "leaky_integrate_and_fire", _lif_cases,
          rtol=1e-7, atol=1e-9,
          mistakes={"the membrane is never reset": WRONG + "lif_no_reset",
                    "the membrane is recorded before the reset": WRONG +
                    "lif_membrane_before_reset",
                    "the jump sets v to 1 instead of v_reset": WRONG + "lif_reset_to_one"}),
    Check("lif_spike_counts", REF + "lif_spike_counts", _spike_count_cases),
    Check("silent_cycles", REF + "SILENT_CYCLES", [case("your choice", run=_value)],
          compare=REF + "is_silent_probe"),
    Check("high_pass", REF + "high_pass", _filter_cases, rtol=1e-7, atol=1e-9,
          mistakes={"it returns the low-pass (leaky integrator) output instead of the input "
                    "minus it": WRONG + "high_pass_returns_low_pass"}),
    Check("band_pass", REF + "band_pass", _band_cases, rtol=1e-7, atol=1e-9,
          mistakes={"the two filters are subtracted the wrong way round":
                    WRONG + "band_pass_swapped"}),
    Check("time_surface", REF + "time_surface", _surface_cases, rtol=1e-7, atol=1e-9),
    Check("lif_time_surface", REF + "lif_time_surface", _lif_surface_cases),
]
