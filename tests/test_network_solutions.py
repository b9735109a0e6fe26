"""The `spiking_networks` reference (solutions/network.py) against closed forms, Campbell's theorem,
the object network against the vectorised engine, and both against Brian2 on a small network."""
import math
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from course.spikes import InputNeuron, generate_spike_train  # noqa: E402
from solutions import network as N  # noqa: E402
from solutions.lif import LIFNeuron, lif_rate  # noqa: E402

DT = N.DT


# ----- closed forms ------------------------------------------------------------------------------

def test_free_membrane_and_current_decay_are_eulers_closed_form():
    net = N.SpikingNetwork()
    lif = net.add_neuron(LIFNeuron(tau_m=0.02, tau_s=0.1, tau_ref=0.002))
    lif.v, lif.s = 0.8, 0.0
    net.simulate(0.2, DT)
    k = np.arange(201)
    np.testing.assert_allclose(lif.v_history[1:], 0.8 * (1 - DT / 0.02) ** k[1:], rtol=1e-12)
    assert np.allclose(net.t_history, k * DT, rtol=0, atol=1e-12)
    # s alone decays as (1 - dt/tau_s)^k; v driven by it: v_k = s0 h (q_s^k - q_m^k) / (q_s - q_m)
    net = N.SpikingNetwork()
    lif = net.add_neuron(LIFNeuron(tau_m=0.02, tau_s=0.1, tau_ref=0.002))
    lif.s = 0.9
    net.simulate(0.3, DT)
    q_m, q_s, h = 1 - DT / 0.02, 1 - DT / 0.1, DT / 0.02
    k = np.arange(301)
    np.testing.assert_allclose(lif.v_history, 0.9 * h * (q_s ** k - q_m ** k) / (q_s - q_m),
                               rtol=1e-10, atol=1e-14)
    assert math.isclose(lif.s, 0.9 * q_s ** 300, rel_tol=1e-12)


def test_a_spike_arrives_in_the_next_step_whatever_the_order():
    """Input spike in step 3: s jumps by w / tau_s at the end of step 3, v moves in step 4."""
    for first in ("input", "lif"):
        net = N.SpikingNetwork()
        source = InputNeuron([3.5 * DT])
        lif = LIFNeuron(tau_m=0.02, tau_s=0.1, tau_ref=0.002)
        for nrn in ((source, lif) if first == "input" else (lif, source)):
            net.add_neuron(nrn)
        net.connect(source, lif, 0.05)
        net.simulate(6 * DT, DT)
        v = np.array(lif.v_history)
        assert np.all(v[:5] == 0.0), first             # v after steps 0..3 untouched
        assert math.isclose(v[5], DT / 0.02 * 0.05 / 0.1, rel_tol=1e-12), first


def test_two_calls_equal_one_call():
    train = generate_spike_train([30, 0], [0.3, 1.0], rng=1)
    one = N.two_lif_network(train, t_max=1.0)
    net = N.SpikingNetwork()
    source = net.add_neuron(InputNeuron(train))
    a = net.add_neuron(LIFNeuron(0.02, 0.05, 0.002))
    b = net.add_neuron(LIFNeuron(0.02, 0.05, 0.002))
    net.connect(source, a, 0.05)
    net.connect(a, b, 0.05)
    net.connect(b, a, 0.05)
    for part in (0.137, 0.363, 0.5):
        net.simulate(part, DT)
    assert len(net.t_history) == 1001
    for x, y in zip(one.neurons[1:], (a, b)):
        np.testing.assert_allclose(x.spikes, y.spikes, rtol=1e-12)


def test_campbell_mean_of_the_drive():
    """Below threshold v follows s with unit gain: its time average is Campbell's w nu."""
    rate, weight, t_max = 200.0, 0.002, 100.0
    net = N.SpikingNetwork()
    source = net.add_neuron(InputNeuron(generate_spike_train([rate], [t_max], rng=4)))
    lif = net.add_neuron(LIFNeuron(0.02, 0.1, 0.002))
    net.connect(source, lif, weight)
    net.simulate(t_max, DT)
    v = np.asarray(lif.v_history)[int(1.0 / DT):]
    assert not lif.spikes
    # correlation time ~ tau_s: ~ (t_max - 1) / (2 tau_s) independent samples
    sd_s = math.sqrt(weight ** 2 * rate / (2 * 0.1))
    assert abs(v.mean() - weight * rate) < 5 * sd_s / math.sqrt((t_max - 1) / 0.2)


def test_rate_curve_meets_the_mean_drive_prediction_at_high_rates():
    rates, net = N.firing_rate_curve(generate_spike_train(N.RAMP_RATES, N.RAMP_ENDS, rng=3))
    assert rates.shape == (20,) and len(net.t_history) == 40001
    predicted = N.mean_drive_rate(N.RAMP_RATES, N.RAMP_WEIGHT, N.TAU_M, N.TAU_REF)
    np.testing.assert_array_equal(predicted, lif_rate(0.03 * N.RAMP_RATES, 0.02, 0.002))
    assert np.all(predicted[:6] == 0) and np.all(predicted[6:] > 0)    # threshold at 33.3 Hz
    # fluctuations make it fire below the mean-drive threshold ...
    assert rates[3:6].sum() > 0
    # ... and at 80-100 Hz input it comes close to the prediction on average (a single 2-s window
    # can be off by 25 %: the input count in 2 s is itself Poisson, 160 +- 13 at 80 Hz)
    assert abs(rates[-5:].mean() / predicted[-5:].mean() - 1) < 0.15


def test_pair_outlasts_its_input_and_inhibition_stops_it():
    for seed in (1, 3, 5):
        pair = N.two_lif_network(generate_spike_train([30, 0], [0.3, 1.0], rng=seed))
        assert min(max(pair.neurons[1].spikes), max(pair.neurons[2].spikes)) > 0.95
        inh = N.inhibition_network(generate_spike_train([30, 0], [0.3, 1.0], rng=seed),
                                   generate_spike_train([0, 50], [0.7, 1.0], rng=100 + seed))
        a, b = inh.neurons[1].spikes, inh.neurons[2].spikes
        assert max(b) < max(a) < 1.0                      # B stops first, then A
        assert N.rates_in_windows(a, [(0.3, 0.7)])[0] > 100
        assert N.rates_in_windows(a + b, [(1.0, 1.5)])[0] == 0


def test_ring_wave_travels_in_order_with_a_stable_period():
    net = N.ring_network(generate_spike_train([25, 0], [0.3, 4.0], rng=5))
    onsets = [N.burst_onsets(n.spikes, 0.1) for n in net.neurons[:8]]
    later = [o[o > 1.0] for o in onsets]
    # after the start-up every neuron bursts once per period, in the order A, B, ..., H
    for k in range(3):
        round_k = [o[k] for o in later]
        assert all(x < y for x, y in zip(round_k, round_k[1:]))
    periods = [N.wave_period(o) for o in later]
    assert max(periods) - min(periods) < 0.01 and 0.3 < periods[0] < 0.4
    assert math.isnan(N.wave_period([0.2])) and N.burst_onsets([], 0.1).size == 0


# ----- the vectorised engine gives the same spikes -----------------------------------------------

def _same(objects, engine):
    assert len(objects.neurons) == len(engine.spikes)
    for nrn, times in zip(objects.neurons, engine.spikes):
        assert len(nrn.spikes) == len(times)
        np.testing.assert_allclose(nrn.spikes, times, rtol=0, atol=1e-9)


@pytest.mark.parametrize("name", ["ramp", "pair", "inhibition", "ring", "ring other"])
def test_arrays_reproduce_every_experiment(name):
    builds = {
        "ramp": lambda: N.firing_rate_curve(
            generate_spike_train(N.RAMP_RATES, N.RAMP_ENDS, rng=2))[1],
        "pair": lambda: N.two_lif_network(generate_spike_train([30, 0], [0.3, 1.0], rng=1)),
        "inhibition": lambda: N.inhibition_network(
            generate_spike_train([30, 0], [0.3, 1.0], rng=1),
            generate_spike_train([0, 50], [0.7, 1.0], rng=101)),
        "ring": lambda: N.ring_network(generate_spike_train([25, 0], [0.3, 4.0], rng=5)),
        "ring other": lambda: N.ring_network(generate_spike_train([25, 0], [0.3, 4.0], rng=2),
                                             0.3, -0.2, 0.03, 0.08, 2.0),
    }
    objects = builds[name]()
    engine = N.NetworkArrays.from_network(objects).simulate(objects.t_history[-1], DT)
    _same(objects, engine)
    v_lif = [i for i, nrn in enumerate(objects.neurons) if isinstance(nrn, LIFNeuron)]
    np.testing.assert_allclose(np.asarray(engine.v_history)[:, v_lif],
                               np.array([objects.neurons[i].v_history for i in v_lif]).T,
                               rtol=1e-9, atol=1e-12)


def test_arrays_reproduce_a_random_ei_network():
    desc = N.random_ei_network(100, t_max=0.2, rng=3)
    objects = N.ei_as_objects(desc)
    objects.simulate(0.2, 1e-4)
    engine = N.ei_as_arrays(desc).simulate(0.2, 1e-4)
    assert sum(map(len, engine.spikes[:100])) > 100
    _same(objects, engine)


# ----- Brian2, an independent simulator ---------------------------------------------------------

def _small_network(seed=3, n=6, n_inputs=3, t_max=1.0):
    """Random weights (some inhibitory), inputs with at most one spike per step (Brian2's
    SpikeGeneratorGroup allows one per step), spikes in the middle of their step."""
    rng = np.random.default_rng(seed)
    weights = rng.uniform(-0.15, 0.3, (n, n)) * (rng.random((n, n)) < 0.5)
    np.fill_diagonal(weights, 0.0)
    feed = rng.uniform(0.02, 0.08, (n, n_inputs)) * (rng.random((n, n_inputs)) < 0.7)
    trains = []
    for k in range(n_inputs):
        times = generate_spike_train([40.0], [t_max], rng=seed * 10 + k)
        trains.append((np.unique(np.floor(times / DT).astype(int)) + 0.5) * DT)
    return weights, feed, trains


def _ours(weights, feed, trains, tau_ref, t_max):
    net = N.SpikingNetwork()
    lifs = [net.add_neuron(LIFNeuron(0.02, 0.05, tau_ref)) for _ in range(weights.shape[0])]
    inputs = [net.add_neuron(InputNeuron(t)) for t in trains]
    for i, j in zip(*np.nonzero(weights)):
        net.connect(lifs[j], lifs[i], weights[i, j])
    for i, k in zip(*np.nonzero(feed)):
        net.connect(inputs[k], lifs[i], feed[i, k])
    net.simulate(t_max, DT)
    return [np.asarray(x.spikes) for x in lifs]


def _brian(weights, feed, trains, tau_ref, t_max):
    b2 = pytest.importorskip("brian2", minversion="2.10")
    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    b2.defaultclock.dt = DT * b2.second
    eqs = """dv/dt = (s - v) / tau_m : 1 (unless refractory)
             ds/dt = -s / tau_s : 1
             tau_m : second (constant)
             tau_s : second (constant)"""
    # Our clamp holds v for the steps that START before t* + tau_ref, t* inside its step: with
    # tau_ref a whole number of steps that is Brian2's refractoriness of tau_ref + dt counted from
    # the start of the spike's step.
    group = b2.NeuronGroup(weights.shape[0], eqs, threshold="v >= 1", reset="v = 0",
                           refractory=(tau_ref + DT if tau_ref else 0.0) * b2.second,
                           method="euler")
    group.tau_m, group.tau_s = 0.02 * b2.second, 0.05 * b2.second
    owners = np.concatenate([np.full(len(t), k) for k, t in enumerate(trains)])
    times = np.concatenate([np.floor(t / DT) * DT for t in trains])
    source = b2.SpikeGeneratorGroup(len(trains), owners, times * b2.second)
    s_in = b2.Synapses(source, group, "w : second", on_pre="s_post += w / tau_s_post")
    post, pre = np.nonzero(feed)
    s_in.connect(i=pre, j=post)
    s_in.w = feed[post, pre] * b2.second
    s_rec = b2.Synapses(group, group, "w : second", on_pre="s_post += w / tau_s_post")
    post, pre = np.nonzero(weights)
    s_rec.connect(i=pre, j=post)
    s_rec.w = weights[post, pre] * b2.second
    monitor = b2.SpikeMonitor(group)
    b2.run(t_max * b2.second, namespace={})
    got = monitor.spike_trains()
    return [np.asarray(got[i] / b2.second) for i in range(weights.shape[0])]


@pytest.mark.parametrize("tau_ref", [0.0, 0.002])
def test_reference_matches_brian2_on_a_small_network(tau_ref):
    """Same Euler scheme and the same one-step delivery: identical spike counts; Brian2 stamps a
    spike with the start of its step, we interpolate inside it, so ours lie in [t_b, t_b + dt)."""
    weights, feed, trains = _small_network()
    theirs = _brian(weights, feed, trains, tau_ref, 1.0)
    ours = _ours(weights, feed, trains, tau_ref, 1.0)
    assert sum(map(len, ours)) > 100
    for x, y in zip(ours, theirs):
        assert len(x) == len(y)
        assert np.all(y <= x + 1e-12) and np.all(x < y + DT - 1e-12)
