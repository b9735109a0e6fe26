"""Hidden checks of `leaky_integrators` against two independent correct implementations.

One is written with loops (the example hand-in `examples/build_submissions.py:CORRECT`), one is
vectorised (the integrator as a matrix of powers of 1 - h, no loop over time; the LIF looped over
time but vectorised over channels). Both must pass every check, including the boundary, type and
error cases; the reference passes and every listed mistake is named (tests/test_checking.py).
"""
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from course.checking import run_cases
from course.checks import leaky_integrators
from course.grading.compare import verdict
from solutions import leaky

ROOT = Path(__file__).resolve().parents[1]
CHECKS = {item.name: item for item in leaky_integrators.CHECKS}


def _examples_module():
    spec = importlib.util.spec_from_file_location("build_submissions",
                                                  ROOT / "examples" / "build_submissions.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_submissions", module)
    spec.loader.exec_module(module)
    return module


def loop_solution():
    """The example student's answers, run in a namespace like the notebook's."""
    namespace = {"np": np, "PROBE_TAU": leaky.PROBE_TAU, "PROBE_THRESHOLD": leaky.PROBE_THRESHOLD,
                 "cosine_signal": leaky.cosine_signal}
    for grade_id, code in _examples_module().CORRECT.items():
        if grade_id not in ("why_lowpass", "tau_effect"):
            exec(code, namespace)
    return namespace


def vectorised_solution():
    def leaky_integrator(input_data, tau, dt=1.0, v0=0.0):
        x = np.asarray(input_data, dtype=float)
        h = dt / tau
        n = np.arange(x.shape[-1])
        lag = n[:, None] - n[None, :]
        # v_n = (1-h)^(n+1) v0 + h sum_{k<=n} (1-h)^(n-k) x_k
        weights = np.where(lag >= 0, h * (1 - h) ** np.maximum(lag, 0), 0.0)
        return x @ weights.T + v0 * (1 - h) ** (n + 1)

    def leaky_integrate_and_fire(input_data, tau, threshold, dt=1.0, v_reset=0.0):
        x = np.asarray(input_data, dtype=float)
        h = dt / tau
        flat = x.reshape(-1, x.shape[-1])
        v = np.full(flat.shape[0], float(v_reset))
        spikes, membrane = np.zeros(flat.shape), np.zeros(flat.shape)
        for n in range(flat.shape[1]):
            v = (1 - h) * v + h * flat[:, n]
            fired = v >= threshold
            v[fired] = v_reset
            spikes[:, n], membrane[:, n] = fired, v
        return spikes.reshape(x.shape), membrane.reshape(x.shape)

    def lif_spike_counts(cycles, tau=leaky.PROBE_TAU, threshold=leaky.PROBE_THRESHOLD,
                         n_steps=100):
        c = np.asarray(cycles, dtype=float)[:, None]
        probes = (np.cos(2 * np.pi * c * np.linspace(0, 1, n_steps)) + 1) / 2
        return leaky_integrate_and_fire(probes, tau, threshold)[0].sum(axis=1)

    def high_pass(input_data, tau, dt=1.0):
        return np.asarray(input_data, dtype=float) - leaky_integrator(input_data, tau, dt)

    def band_pass(input_data, tau_fast, tau_slow, dt=1.0):
        if not tau_fast < tau_slow:
            raise ValueError("tau_fast < tau_slow required")
        return leaky_integrator(input_data, tau_fast, dt) - leaky_integrator(input_data,
                                                                             tau_slow, dt)

    return {"input_data": np.ones(1000), "leaky_integrator": leaky_integrator,
            "leaky_integrate_and_fire": leaky_integrate_and_fire,
            "lif_spike_counts": lif_spike_counts, "silent_cycles": 30.0, "high_pass": high_pass,
            "band_pass": band_pass, "time_surface": leaky_integrator,
            "lif_time_surface": lambda s, tau, thr, dt=1.0: leaky_integrate_and_fire(
                s, tau, thr, dt)[0]}


@pytest.mark.parametrize("make", [loop_solution, vectorised_solution], ids=["loops", "vectorised"])
@pytest.mark.parametrize("name", sorted(CHECKS))
def test_independent_correct_implementation_passes(make, name):
    target = make()[name]
    message = verdict(f"leaky_integrators.{name}", run_cases(CHECKS[name], target))
    assert message is None, message


def test_silent_choice_below_one_cycle_fails():
    message = verdict("leaky_integrators.silent_cycles", run_cases(CHECKS["silent_cycles"], 0.85))
    assert message and "choose 1" in message


@pytest.mark.parametrize("name,broken", [
    ("leaky_integrate_and_fire", "bool spikes"),
    ("band_pass", "accepts equal time constants"),
    ("lif_spike_counts", "returns a list"),
])
def test_rule_breakers_fail(name, broken):
    ns = vectorised_solution()
    if broken == "bool spikes":
        def target(*a, **k):
            spikes, membrane = ns["leaky_integrate_and_fire"](*a, **k)
            return spikes.astype(bool), membrane
    elif broken == "accepts equal time constants":
        def target(x, tau_fast, tau_slow, dt=1.0):
            if tau_fast > tau_slow:
                raise ValueError
            return ns["leaky_integrator"](x, tau_fast, dt) - ns["leaky_integrator"](x, tau_slow, dt)
    else:
        def target(*a, **k):
            return list(ns["lif_spike_counts"](*a, **k))
    assert verdict(f"leaky_integrators.{name}", run_cases(CHECKS[name], target)) is not None
