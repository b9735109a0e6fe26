"""Signs (mistakes named by what they do) of `leaky_integrators` and `neuron_models`.

Each sign is tested with two implementations of the mistake written here, in styles unlike
solutions/*_mistakes.py (a loop over channels and steps; a vectorised update with np.where), and
with the implementation in solutions/*_mistakes.py; correct implementations get no hint.
"""
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from course.checking import find_check, load_object, run_cases  # noqa: E402
from course.grading.compare import quiet_numerics, verdict  # noqa: E402


def hints(qualified, target):
    with quiet_numerics():
        message = verdict(qualified, run_cases(find_check(qualified), target))
    if message is None:
        return None
    return [line.split("common mistake: ", 1)[1].rstrip(".")
            for line in message.splitlines() if line.startswith("Hint:")]


def _sign(qualified, path_end):
    return next(d for d, p in find_check(qualified).signs.items() if p.endswith(":" + path_end))


# ----- leaky_integrate_and_fire ------------------------------------------------------------------

def channel_loop_lif(reset, record_first=False):
    """Loop over channels, then steps; `reset=False` never resets; `record_first` stores v
    before the reset."""
    def leaky_integrate_and_fire(input_data, tau, threshold, dt=1.0, v_reset=0.0):
        x = np.array(input_data, dtype=float)
        rows = x.reshape(-1, x.shape[-1])
        out_s, out_v = np.zeros_like(rows), np.zeros_like(rows)
        for c, row in enumerate(rows):
            level = float(v_reset)
            for n, value in enumerate(row):
                level += (value - level) * dt / tau
                out_s[c, n] = 1.0 if level >= threshold else 0.0
                if record_first:
                    out_v[c, n] = level
                if reset and out_s[c, n]:
                    level = v_reset
                if not record_first:
                    out_v[c, n] = level
        return out_s.reshape(x.shape), out_v.reshape(x.shape)
    return leaky_integrate_and_fire


def where_lif(reset, record_first=False):
    """All channels at once with np.where, time moved to the first axis."""
    def leaky_integrate_and_fire(input_data, tau, threshold, dt=1.0, v_reset=0.0):
        x = np.moveaxis(np.asarray(input_data, dtype=float), -1, 0)
        h = dt / tau
        v = np.full(x.shape[1:], float(v_reset))
        spikes, membrane = [], []
        for x_now in x:
            v = (1.0 - h) * v + h * x_now
            hit = v >= threshold
            after = np.where(hit, v_reset, v) if reset else v
            spikes.append(hit.astype(float))
            membrane.append(v if record_first else after)
            v = after
        return np.moveaxis(np.array(spikes), 0, -1), np.moveaxis(np.array(membrane), 0, -1)
    return leaky_integrate_and_fire


LEAKY = "leaky_integrators.leaky_integrate_and_fire"


@pytest.mark.parametrize("make", [channel_loop_lif, where_lif])
def test_correct_leaky_lif_passes_without_a_hint(make):
    assert hints(LEAKY, make(reset=True)) is None


@pytest.mark.parametrize("make", [channel_loop_lif, where_lif])
@pytest.mark.parametrize("mistake, sign", [(dict(reset=False), "lif_continues_unreset"),
                                           (dict(reset=True, record_first=True),
                                            "lif_stored_before_jump")])
def test_leaky_lif_mistakes_are_named(make, mistake, sign):
    assert hints(LEAKY, make(**mistake)) == [_sign(LEAKY, sign)]


@pytest.mark.parametrize("path, sign", [("lif_no_reset", "lif_continues_unreset"),
                                        ("lif_membrane_before_reset", "lif_stored_before_jump")])
def test_the_written_leaky_mistakes_are_named(path, sign):
    assert hints(LEAKY, load_object("solutions.leaky_mistakes:" + path)) == [_sign(LEAKY, sign)]


# ----- simulate_adex -----------------------------------------------------------------------------

ADEX = "neuron_models.simulate_adex"


def columns_adex(reset_key):
    """Vectorised over neurons with np.where; after a spike V is set to params[reset_key]."""
    def simulate_adex(current, dt, params):
        i = np.asarray(current, dtype=float)
        p = params
        v, w = np.zeros_like(i), np.zeros_like(i)
        fired = np.zeros(i.shape, dtype=bool)
        v[0], w[0] = p["e_l"], 0.0
        for k in range(1, len(i)):
            v0, w0 = v[k - 1], w[k - 1]
            push = p["g_l"] * p["delta_t"] * np.exp((v0 - p["v_t"]) / p["delta_t"])
            v1 = v0 + dt / p["c_m"] * (p["g_l"] * (p["e_l"] - v0) + push - w0 + i[k - 1])
            w1 = w0 + dt / p["tau_w"] * (p["a"] * (v0 - p["e_l"]) - w0)
            spike = v1 >= p["v_peak"]
            v[k] = np.where(spike, p[reset_key], v1)
            w[k] = w1 + p["b"] * spike
            fired[k] = spike
        return v, w, fired
    return simulate_adex


def test_correct_adex_passes_without_a_hint():
    assert hints(ADEX, columns_adex("v_r")) is None


@pytest.mark.parametrize("target", [
    columns_adex("v_t"),
    "tests.test_neuron_models_checks:second_adex_reset_to_threshold",
    "solutions.neuron_models_mistakes:simulate_adex_reset_to_threshold"])
def test_adex_reset_to_threshold_is_named(target):
    if isinstance(target, str):
        sys.path.insert(0, str(ROOT))
        target = load_object(target)
    assert hints(ADEX, target) == [_sign(ADEX, "adex_reset_to_threshold")]


# ----- spiking_networks: experiments at the wrong time step ---------------------------------------

@pytest.mark.parametrize("name, target", [
    ("firing_rate_curve", "solutions.network_mistakes:firing_rate_curve_fine_dt"),
    ("firing_rate_curve", "tests.test_network_checks:second_fine_dt_rate_curve"),
    ("two_lif_network", "solutions.network_mistakes:two_lif_network_fine_dt"),
    ("two_lif_network", "tests.test_network_checks:second_pair_dt"),
    ("ring_network", "solutions.network_mistakes:ring_network_fine_dt"),
    ("ring_network", "tests.test_network_checks:second_ring_dt"),
])
def test_a_wrong_time_step_is_named_whatever_it_is(name, target):
    """0.1 ms (solutions), 10 ms and 0.5 ms (the second versions, written with loops)."""
    qualified = f"spiking_networks.{name}"
    found = hints(qualified, load_object(target))
    assert found == [_sign(qualified, "wrong_time_step")]


@pytest.mark.parametrize("name", ["firing_rate_curve", "two_lif_network", "ring_network"])
def test_the_time_step_sign_stays_silent_for_correct_experiments(name):
    from tests.test_network_checks import LOOP, VECTOR
    for target in (LOOP[name], VECTOR[name]):
        assert hints(f"spiking_networks.{name}", target) is None
