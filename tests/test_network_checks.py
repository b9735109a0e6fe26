"""Hidden checks of `spiking_networks` and the source notebook's structure.

* The reference passes every check; every listed mistake fails with a message that names it.
* Two correct implementations written independently of the reference, one with plain loops and one
  vectorised with numpy, pass every check.
* A second, independently written version of every hinted mistake loses the points too.
* No case sits on a knife edge: scaling any input by 1 +- 1e-11 changes no verdict.
* The notebook: valid nbgrader schema 3, points, one hidden check per test cell, stored executed,
  its given LIFNeuron behaves exactly like the one of `lif_neuron`, and every read-only cell that
  calls student code says so in one line instead of failing.
"""
import ast
import math
import sys
from dataclasses import replace
from pathlib import Path

import nbformat
import numpy as np
import pytest
import scipy.sparse as sp
from nbgrader.nbgraderformat import MetadataValidator

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from course.checking import Case, load_object, run_cases  # noqa: E402
from course.checks import spiking_networks  # noqa: E402
from course.grading.compare import called_checks, case_failures, verdict  # noqa: E402
from course.spikes import InputNeuron, generate_spike_train  # noqa: E402
from solutions.lif import LIFNeuron  # noqa: E402

CHECKS = {item.name: item for item in spiking_networks.CHECKS}
NOTEBOOK = ROOT / "source" / "spiking_networks" / "spiking_networks.ipynb"
RELEASE = ROOT / "release" / "spiking_networks" / "spiking_networks.ipynb"
DT = 0.001


# ===== an independent implementation with plain loops ============================================

class LoopNetwork:
    """Time as k * dt; targets looked up by scanning the connection list; spikes kept pending in a
    dict until every neuron has stepped."""

    def __init__(self):
        self.neurons, self.connections = [], []
        self.k, self.dt = 0, None
        self.t = 0.0
        self.t_history = [0.0]

    def add_neuron(self, neuron):
        self.neurons += [neuron]
        return neuron

    def connect(self, pre, post, weight):
        self.connections += [(pre, post, weight)]

    def simulate(self, t_max, dt):
        steps = int(round(t_max / dt))
        for _ in range(steps):
            pending = {}
            for idx in range(len(self.neurons)):
                n_spikes = self.neurons[idx].step(dt)
                if n_spikes:
                    pending[idx] = n_spikes
            for idx, n_spikes in pending.items():
                for pre, post, weight in self.connections:
                    if pre is self.neurons[idx]:
                        for _ in range(int(n_spikes)):
                            post.receive(weight)
            self.k += 1
            self.t = self.t + dt
            self.t_history.append(self.t)


def loop_rate_curve(input_times):
    net = LoopNetwork()
    lif = LIFNeuron(0.02, 0.1, 0.002)
    source = InputNeuron(input_times)
    net.add_neuron(source)
    net.add_neuron(lif)
    net.connect(source, lif, 0.03)
    net.simulate(40.0, 0.001)
    rates = []
    for i in range(20):
        rates.append(lif.spikes_between(2 * i, 2 * i + 2) / 2)
    return np.array(rates), net


def loop_mean_drive_rate(input_rates, weight, tau_m, tau_ref):
    out = []
    for nu in input_rates:
        drive = nu * weight
        out.append(1 / (tau_ref - tau_m * math.log(1 - 1 / drive)) if drive > 1 else 0.0)
    return np.array(out)


def loop_pair(input_times):
    net = LoopNetwork()
    source, a, b = (InputNeuron(input_times), LIFNeuron(0.02, 0.05, 0.002),
                    LIFNeuron(0.02, 0.05, 0.002))
    for nrn in (source, a, b):
        net.add_neuron(nrn)
    net.connect(b, a, 0.05)
    net.connect(a, b, 0.05)
    net.connect(source, a, 0.05)
    net.simulate(1.0, 0.001)
    return net


def loop_inhibition(input_times, inhibitor_input_times):
    net = LoopNetwork()
    lifs = [LIFNeuron(0.02, 0.05, 0.002) for _ in range(3)]
    sources = [InputNeuron(input_times), InputNeuron(inhibitor_input_times)]
    for nrn in (sources[0], lifs[0], lifs[1], sources[1], lifs[2]):
        net.add_neuron(nrn)
    net.connect(lifs[2], lifs[1], -0.2)
    net.connect(sources[1], lifs[2], 0.05)
    net.connect(lifs[0], lifs[1], 0.05)
    net.connect(lifs[1], lifs[0], 0.05)
    net.connect(sources[0], lifs[0], 0.05)
    net.simulate(1.5, 0.001)
    return net


def loop_ring(input_times, w_exc=0.2, w_inh=-0.4, tau_m=0.05, tau_s=0.1, t_max=4.0):
    net = LoopNetwork()
    ring = {name: LIFNeuron(tau_m, tau_s, 0.002) for name in "ABCDEFGH"}
    for name in "ABCDEFGH":
        net.add_neuron(ring[name])
    source = net.add_neuron(InputNeuron(input_times))
    names = "ABCDEFGH"
    for i in range(8):
        net.connect(ring[names[i - 1]], ring[names[i]], w_exc)     # H -> A, A -> B, ...
    for i in range(8):
        net.connect(ring[names[i]], ring[names[i - 1]], w_inh)     # A -> H, B -> A, ...
    net.connect(source, ring["A"], 0.2)
    net.simulate(t_max, 0.001)
    return net


def loop_rates_in_windows(spike_times, windows):
    out = []
    for t0, t1 in windows:
        count = 0
        for t in spike_times:
            if t0 <= t < t1:
                count += 1
        out.append(count / (t1 - t0))
    return np.array(out, dtype=float)


def loop_burst_onsets(spike_times, gap):
    onsets, previous = [], None
    for t in spike_times:
        if previous is None or t - previous >= gap:
            onsets.append(t)
        previous = t
    return np.array(onsets, dtype=float)


def loop_wave_period(onsets):
    if len(onsets) < 2:
        return float("nan")
    total = 0.0
    for a, b in zip(onsets[:-1], onsets[1:]):
        total += b - a
    return total / (len(onsets) - 1)


class LoopArrays:
    """The engine's interface, with one Python LIF per neuron inside and a dict of targets."""

    def __init__(self, tau_m, tau_s, tau_ref, weights, is_input=None, trains=None):
        n = len(tau_m)
        is_input = [False] * n if is_input is None else list(is_input)
        self.units = [InputNeuron(trains[i]) if is_input[i] else
                      LIFNeuron(float(tau_m[i]), float(np.broadcast_to(tau_s, (n,))[i]),
                                float(np.broadcast_to(tau_ref, (n,))[i])) for i in range(n)]
        w = sp.coo_array(weights)
        self.targets = {}
        for i, j, x in zip(w.row, w.col, w.data):
            self.targets.setdefault(int(j), []).append((int(i), float(x)))
        self.t, self.t_history = 0.0, [0.0]
        self.v_history = [np.zeros(n)]

    @property
    def spikes(self):
        return [u.spikes for u in self.units]

    def step(self, dt):
        counts = np.array([u.step(dt) for u in self.units], dtype=float)
        for j in np.flatnonzero(counts):
            for i, x in self.targets.get(int(j), []):
                self.units[i].receive(x * counts[j])
        self.t += dt
        self.t_history.append(self.t)
        self.v_history.append(np.array([getattr(u, "v", 0.0) for u in self.units]))
        return counts


# ===== an independent vectorised implementation ==================================================

class VectorNetwork:
    """Delivers through a weight matrix built from the connection list at the start of each call."""

    def __init__(self):
        self.neurons, self.connections = [], []
        self.t = 0.0
        self.t_history = [self.t]

    def add_neuron(self, neuron):
        self.neurons.append(neuron)
        return neuron

    def connect(self, pre, post, weight):
        self.connections.append((pre, post, weight))

    def simulate(self, t_max, dt):
        where = {id(n): i for i, n in enumerate(self.neurons)}
        n = len(self.neurons)
        w = np.zeros((n, n))
        for pre, post, weight in self.connections:
            w[where[id(post)], where[id(pre)]] += weight
        for _ in range(int(round(t_max / dt))):
            counts = np.fromiter((nrn.step(dt) for nrn in self.neurons), float, n)
            if counts.any():
                arriving = w[:, counts > 0] @ counts[counts > 0]
                for i in np.flatnonzero(w[:, counts > 0].any(axis=1)):
                    self.neurons[i].receive(arriving[i])
            self.t += dt
            self.t_history.append(self.t)
        return self


def _experiment(builder):
    """The loop version's experiment, run on the vectorised network class instead."""
    def run(*args, **kwargs):
        space = builder.__globals__
        saved = space["LoopNetwork"]
        space["LoopNetwork"] = VectorNetwork
        try:
            return builder(*args, **kwargs)
        finally:
            space["LoopNetwork"] = saved
    return run


def vector_rate_curve(input_times):
    _, net = _experiment(loop_rate_curve)(input_times)
    spikes = np.asarray(net.neurons[1].spikes)
    edges = np.arange(0.0, 40.0 + 1, 2.0)
    counts = np.searchsorted(spikes, edges[1:], "left") - np.searchsorted(spikes, edges[:-1], "left")
    return counts / 2.0, net


def vector_mean_drive_rate(input_rates, weight, tau_m, tau_ref):
    drive = weight * np.asarray(input_rates, dtype=float)
    safe = np.where(drive > 1, drive, 2.0)
    return np.where(drive > 1, 1 / (tau_ref + tau_m * np.log(safe / (safe - 1))), 0.0)


def vector_rates_in_windows(spike_times, windows):
    times = np.sort(np.asarray(spike_times, dtype=float))
    w = np.asarray(windows, dtype=float).reshape(-1, 2)
    counts = np.searchsorted(times, w[:, 1], "left") - np.searchsorted(times, w[:, 0], "left")
    return counts / (w[:, 1] - w[:, 0])


def vector_burst_onsets(spike_times, gap):
    times = np.asarray(spike_times, dtype=float)
    gaps = np.diff(times, prepend=-np.inf)
    return times[gaps >= gap]


def vector_wave_period(onsets):
    onsets = np.asarray(onsets, dtype=float)
    return float(np.mean(np.diff(onsets))) if onsets.size > 1 else float("nan")


class VectorArrays:
    """Dense weights, input spikes binned per neuron up front, history as rows of one list."""

    def __init__(self, tau_m, tau_s, tau_ref, weights, is_input=None, trains=None):
        self.tau_m = np.asarray(tau_m, dtype=float)
        n = self.tau_m.size
        self.tau_s = np.broadcast_to(np.asarray(tau_s, dtype=float), (n,)).copy()
        self.tau_ref = np.broadcast_to(np.asarray(tau_ref, dtype=float), (n,)).copy()
        self.w = sp.csr_array(weights).toarray() if sp.issparse(weights) else np.array(weights)
        self.inp = np.zeros(n, bool) if is_input is None else np.asarray(is_input, bool)
        self.trains = [np.sort(np.asarray(t if t is not None else [], dtype=float))
                       for t in (trains if trains is not None else [None] * n)]
        self.v, self.s = np.zeros(n), np.zeros(n)
        self.free_from = np.full(n, -np.inf)
        self.t = 0.0
        self.spikes = [[] for _ in range(n)]
        self.t_history, self.v_history = [0.0], [np.zeros(n)]

    def step(self, dt):
        t = self.t
        counts = np.zeros(self.v.size)
        for i in np.flatnonzero(self.inp):
            fired = self.trains[i][(self.trains[i] >= t) & (self.trains[i] < t + dt)]
            counts[i] = fired.size
            self.spikes[i].extend(fired.tolist())
        v_next = self.v + dt * ((self.s - self.v) / self.tau_m)
        self.s = self.s + dt * (-self.s / self.tau_s)
        held = t < self.free_from
        fire = ~self.inp & ~held & (v_next >= 1)
        frac = np.divide(1 - self.v, v_next - self.v, out=np.zeros_like(self.v), where=fire)
        t_star = t + dt * frac
        for i in np.flatnonzero(fire):
            self.spikes[i].append(float(t_star[i]))
        self.free_from = np.where(fire, t_star + self.tau_ref, self.free_from)
        self.v = np.where(held | fire | self.inp, 0.0, v_next)
        counts = counts + fire
        self.s += (self.w @ counts) / self.tau_s
        self.t = t + dt
        self.t_history.append(self.t)
        self.v_history.append(self.v.copy())
        return counts


LOOP = {"network": LoopNetwork, "mean_drive_rate": loop_mean_drive_rate,
        "firing_rate_curve": loop_rate_curve, "rates_in_windows": loop_rates_in_windows,
        "two_lif_network": loop_pair, "inhibition_network": loop_inhibition,
        "ring_network": loop_ring, "burst_onsets": loop_burst_onsets,
        "wave_period": loop_wave_period, "network_arrays": LoopArrays}
VECTOR = {"network": VectorNetwork, "mean_drive_rate": vector_mean_drive_rate,
          "firing_rate_curve": vector_rate_curve, "rates_in_windows": vector_rates_in_windows,
          "two_lif_network": _experiment(loop_pair),
          "inhibition_network": _experiment(loop_inhibition),
          "ring_network": _experiment(loop_ring), "burst_onsets": vector_burst_onsets,
          "wave_period": vector_wave_period, "network_arrays": VectorArrays}


# ===== second, independently written versions of the hinted mistakes =========================

class SecondSameStep(LoopNetwork):
    """Each neuron delivers right after its own step (neurons later in the list see it at once)."""

    def simulate(self, t_max, dt):
        for _ in range(int(round(t_max / dt))):
            for nrn in self.neurons:
                c = nrn.step(dt)
                for pre, post, w in self.connections:
                    if c and pre is nrn:
                        post.receive(w * c)
            self.t += dt
            self.t_history.append(self.t)


class SecondDoubleCount(LoopNetwork):
    """Delivers in the step of the spike and again at the next step."""

    def simulate(self, t_max, dt):
        last = getattr(self, "last", [])
        for _ in range(int(round(t_max / dt))):
            now = [(n, n.step(dt)) for n in self.neurons]
            now = [(n, c) for n, c in now if c]
            for nrn, c in now + last:
                for pre, post, w in self.connections:
                    if pre is nrn:
                        post.receive(w * c)
            last = now
            self.t += dt
            self.t_history.append(self.t)
        self.last = last


class SecondReversed(VectorNetwork):
    def connect(self, pre, post, weight):
        self.connections.append((post, pre, weight))


class SecondSign(VectorNetwork):
    def connect(self, pre, post, weight):
        self.connections.append((pre, post, -weight if weight < 0 else weight))


class SecondShared:
    """The classic mutable default argument: every network shares the same lists."""

    def __init__(self, neurons=[], connections=[], t_history=[0.0]):  # noqa: B006
        self.neurons, self.connections, self.t_history = neurons, connections, t_history
        self.t = self.t_history[-1]

    add_neuron = LoopNetwork.add_neuron
    connect = LoopNetwork.connect
    simulate = LoopNetwork.simulate


def second_fine_dt_rate_curve(input_times):
    net = LoopNetwork()
    source, lif = InputNeuron(input_times), LIFNeuron(0.02, 0.1, 0.002)
    net.add_neuron(source)
    net.add_neuron(lif)
    net.connect(source, lif, 0.03)
    net.simulate(40.0, 0.01)     # 10 ms
    return np.array([lif.spikes_between(2 * i, 2 * i + 2) / 2 for i in range(20)]), net


def second_pair_dt(input_times):
    net = LoopNetwork()
    source, a, b = (InputNeuron(input_times), LIFNeuron(0.02, 0.05, 0.002),
                    LIFNeuron(0.02, 0.05, 0.002))
    for nrn in (source, a, b):
        net.add_neuron(nrn)
    net.connect(source, a, 0.05)
    net.connect(a, b, 0.05)
    net.connect(b, a, 0.05)
    net.simulate(1.0, 0.0005)
    return net


def second_inhibition_sign(input_times, inhibitor_input_times):
    net = LoopNetwork()
    lifs = [LIFNeuron(0.02, 0.05, 0.002) for _ in range(3)]
    sources = [InputNeuron(input_times), InputNeuron(inhibitor_input_times)]
    for nrn in (sources[0], lifs[0], lifs[1], sources[1], lifs[2]):
        net.add_neuron(nrn)
    for pre, post, w in ((sources[0], lifs[0], 0.05), (lifs[0], lifs[1], 0.05),
                         (lifs[1], lifs[0], 0.05), (sources[1], lifs[2], 0.05),
                         (lifs[2], lifs[1], 0.2)):
        net.connect(pre, post, w)
    net.simulate(1.5, 0.001)
    return net


def second_ring_reversed(input_times, w_exc=0.2, w_inh=-0.4, tau_m=0.05, tau_s=0.1, t_max=4.0):
    net = VectorNetwork()
    ring = [net.add_neuron(LIFNeuron(tau_m, tau_s, 0.002)) for _ in range(8)]
    source = net.add_neuron(InputNeuron(input_times))
    for i in range(8):
        net.connect(ring[(i + 1) % 8], ring[i], w_exc)      # excitation backwards
        net.connect(ring[i], ring[(i + 1) % 8], w_inh)
    net.connect(source, ring[0], 0.2)
    net.simulate(t_max, 0.001)
    return net


def second_ring_dt(input_times, w_exc=0.2, w_inh=-0.4, tau_m=0.05, tau_s=0.1, t_max=4.0):
    net = LoopNetwork()
    ring = [net.add_neuron(LIFNeuron(tau_m, tau_s, 0.002)) for _ in range(8)]
    source = net.add_neuron(InputNeuron(input_times))
    for i in range(8):
        net.connect(ring[i], ring[(i + 1) % 8], w_exc)
        net.connect(ring[(i + 1) % 8], ring[i], w_inh)
    net.connect(source, ring[0], 0.2)
    net.simulate(t_max, 0.002)
    return net


class SecondArraysSameStep(VectorArrays):
    """Delivers the input neurons' spikes before the LIF update of the same step."""

    def step(self, dt):
        t = self.t
        early = np.zeros(self.v.size)
        for i in np.flatnonzero(self.inp):
            early[i] = np.count_nonzero((self.trains[i] >= t) & (self.trains[i] < t + dt))
        self.s += (self.w @ early) / self.tau_s
        saved = self.w
        self.w = np.where(self.inp[None, :], 0.0, self.w)      # inputs are delivered already
        try:
            return super().step(dt)
        finally:
            self.w = saved


class SecondArraysTransposed(VectorArrays):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.w = self.w.T.copy()


class SecondArraysSign(VectorArrays):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.w = np.abs(self.w)


class SecondArraysShared(VectorArrays):
    def step(self, dt):
        out = super().step(dt)
        self.v_history[-1] = self.v_history[0]      # one array object reused for every entry
        self.v_history[0][:] = self.v
        return out


class SecondArraysDouble(VectorArrays):
    def step(self, dt):
        counts = super().step(dt)
        self.s += (self.w @ counts) / self.tau_s       # delivered twice at once
        return counts


def second_mean_drive_jump(input_rates, weight, tau_m, tau_ref):
    return loop_mean_drive_rate(np.asarray(input_rates) * 0.1, weight, tau_m, tau_ref)


def second_mean_drive_no_ref(input_rates, weight, tau_m, tau_ref):
    return vector_mean_drive_rate(input_rates, weight, tau_m, 0.0)


def second_windows_closed(spike_times, windows):
    times = np.sort(np.asarray(spike_times, dtype=float))
    w = np.asarray(windows, dtype=float).reshape(-1, 2)
    counts = np.searchsorted(times, w[:, 1], "right") - np.searchsorted(times, w[:, 0], "left")
    return counts / (w[:, 1] - w[:, 0])


def second_windows_counts(spike_times, windows):
    return np.array([sum(t0 <= t < t1 for t in spike_times) for t0, t1 in windows], dtype=float)


def second_onsets_strict(spike_times, gap):
    times = np.asarray(spike_times, dtype=float)
    return times[np.diff(times, prepend=-np.inf) > gap]


def second_onsets_no_first(spike_times, gap):
    return np.array([b for a, b in zip(spike_times[:-1], spike_times[1:]) if b - a >= gap])


def second_period_n(onsets):
    return float(np.ptp(onsets) / len(onsets)) if len(onsets) > 1 else float("nan")


SECOND = {
    "network": {"NetworkSameStep": SecondSameStep, "NetworkNotCleared": SecondDoubleCount,
                "NetworkReversed": SecondReversed, "NetworkInhibitionSign": SecondSign,
                "NetworkSharedHistory": SecondShared},
    "firing_rate_curve": {"firing_rate_curve_fine_dt": second_fine_dt_rate_curve},
    "two_lif_network": {"two_lif_network_fine_dt": second_pair_dt},
    "inhibition_network": {"inhibition_network_excitatory": second_inhibition_sign},
    "ring_network": {"ring_network_fine_dt": second_ring_dt,
                     "ring_network_reversed": second_ring_reversed},
    "network_arrays": {"ArraysSameStep": SecondArraysSameStep,
                       "ArraysTransposed": SecondArraysTransposed,
                       "ArraysAbsWeights": SecondArraysSign,
                       "ArraysSharedHistory": SecondArraysShared,
                       "ArraysDoubleCount": SecondArraysDouble},
    "mean_drive_rate": {"mean_drive_rate_jump_weight": second_mean_drive_jump,
                        "mean_drive_rate_no_refractory": second_mean_drive_no_ref},
    "rates_in_windows": {"rates_in_windows_closed": second_windows_closed,
                         "rates_in_windows_counts": second_windows_counts},
    "burst_onsets": {"burst_onsets_strict": second_onsets_strict,
                     "burst_onsets_no_first": second_onsets_no_first},
    "wave_period": {"wave_period_divided_by_n": second_period_n},
}


def _name(name):
    return f"spiking_networks.{name}"


# ===== the checks ==============================================================================

def test_every_check_has_two_alternatives_and_every_mistake_a_second_version():
    assert set(LOOP) == set(VECTOR) == set(CHECKS)
    for name, item in CHECKS.items():
        listed = {path.split(":")[1] for path in item.mistakes.values()}
        assert listed == set(SECOND.get(name, {})), name
    described = " ".join(d for item in CHECKS.values() for d in item.mistakes.values())
    words = " ".join(d for item in CHECKS.values() for d in item.mistakes)
    for phrase in ("same step", "double counting", "post to pre", "wrong sign", "shared",
                   "wrong dt"):
        assert phrase in words, phrase
    assert described


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_reference_passes(name):
    item = CHECKS[name]
    results = run_cases(item, load_object(item.reference))
    assert all("value" in r for r in results)
    assert verdict(_name(name), results) is None


@pytest.mark.parametrize("name,description",
                         [(n, d) for n in sorted(CHECKS) for d in CHECKS[n].mistakes])
def test_each_mistake_fails_and_is_named(name, description):
    item = CHECKS[name]
    message = verdict(_name(name), run_cases(item, load_object(item.mistakes[description])))
    assert message is not None, f"the mistake {description!r} passes {name}"
    assert f"Hint: your results match a common mistake: {description}." in message


@pytest.mark.parametrize("name,kind", [(n, k) for n in sorted(CHECKS) for k in ("loop", "vector")])
def test_independent_correct_implementations_pass(name, kind):
    target = (LOOP if kind == "loop" else VECTOR)[name]
    message = verdict(_name(name), run_cases(CHECKS[name], target))
    assert message is None, message


@pytest.mark.parametrize("name,mistake", [(n, m) for n in sorted(SECOND) for m in SECOND[n]])
def test_second_version_of_each_mistake_loses_the_points(name, mistake):
    message = verdict(_name(name), run_cases(CHECKS[name], SECOND[name][mistake]))
    assert message is not None, f"{mistake} (second version) passes {name}"


def test_delivery_convention_is_stated_by_the_cases():
    """The first cases pin the convention: A's spike in step 2 reaches B before B's step 3."""
    item = CHECKS["network"]
    result = item.all_cases()[0].apply(load_object(item.reference))
    np.testing.assert_array_equal(result["received"][1], [0, 0, 0, 0.5, 0, 0])
    same_order = item.all_cases()[1].apply(load_object(item.reference))
    np.testing.assert_array_equal(same_order["received"][1], result["received"][1])
    pending = item.all_cases()[6].apply(load_object(item.reference))
    assert pending["pending"][1] == 0.6


# ----- no knife edges ----------------------------------------------------------------------------

def _scaled(value, factor):
    if isinstance(value, bool) or isinstance(value, (int, np.integer)) or value is None:
        return value
    if isinstance(value, float):
        return value * factor
    if isinstance(value, np.ndarray):
        return value * factor if value.dtype.kind == "f" else value
    if sp.issparse(value):
        return value * factor
    if isinstance(value, dict):
        return {k: _scaled(v, factor) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_scaled(v, factor) for v in value)
    return value


@pytest.mark.parametrize("name", ["firing_rate_curve", "two_lif_network", "inhibition_network",
                                  "ring_network", "network_arrays", "network"])
def test_rounding_sized_changes_of_any_input_change_no_verdict(name):
    item = CHECKS[name]
    reference = load_object(item.reference)
    for one in item.all_cases():
        single = replace(item, cases=[one])
        expected = run_cases(single, reference)
        for position in range(len(one.args)):
            for factor in (1 + 1e-11, 1 - 1e-11):
                args = list(one.args)
                args[position] = _scaled(args[position], factor)
                moved = replace(item, cases=[Case(one.label, tuple(args), one.kwargs, one.run)])
                failures = case_failures(single, expected, run_cases(moved, reference))
                assert not failures, f"{name}, case {one.label!r}, argument {position}: {failures}"


def test_input_spikes_stay_away_from_step_boundaries():
    for name in ("two_lif_network", "inhibition_network", "ring_network", "firing_rate_curve"):
        for one in CHECKS[name].all_cases():
            for train in one.args[:2]:
                if isinstance(train, np.ndarray) and train.size:
                    frac = np.mod(train / DT, 1.0)
                    assert np.minimum(frac, 1 - frac).min() > 1e-6, (name, one.label)


# ===== the notebook ==========================================================================

@pytest.fixture(scope="module")
def notebook():
    return nbformat.read(NOTEBOOK, as_version=4)


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def test_source_folder_holds_only_the_notebook():
    assert sorted(p.name for p in NOTEBOOK.parent.iterdir()) == ["spiking_networks.ipynb"]


def test_metadata_points_and_ids(notebook):
    MetadataValidator().validate_nb(notebook)
    ids = [_meta(c)["grade_id"] for c in notebook.cells]
    assert len(ids) == len(set(ids)) == len(notebook.cells)
    auto = sum(_meta(c)["points"] for c in notebook.cells
               if _meta(c)["grade"] and not _meta(c)["solution"])
    manual = sum(_meta(c)["points"] for c in notebook.cells
                 if _meta(c)["grade"] and _meta(c)["solution"])
    assert (auto, manual) == (22, 7)
    assert "(29 points)" in notebook.cells[0].source


def test_every_check_is_called_once_from_a_test_cell(notebook):
    called = []
    for cell in notebook.cells:
        meta = _meta(cell)
        if cell.cell_type != "code" or not meta["grade"]:
            assert "check(" not in cell.source or cell.cell_type != "code"
            continue
        end = cell.source.index("### END HIDDEN TESTS")
        assert cell.source.startswith("### BEGIN HIDDEN TESTS")   # the check runs first
        assert "assert " in cell.source[end:], meta["grade_id"]
        names = called_checks(cell.source[:end])
        assert len(names) == 1
        called.extend(names)
    assert sorted(called) == sorted(_name(n) for n in CHECKS)


def test_notebook_is_stored_executed_with_every_check_matching(notebook):
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for c in code for o in c.outputs)
    for name in CHECKS:
        assert f"hidden check spiking_networks.{name}: all" in text
    assert "same spike times as the objects: False" not in text
    assert "same spike times: False" not in text


def test_student_text_names_sources_not_internal_labels(notebook):
    for cell in notebook.cells:
        assert "seed" not in cell.source.lower(), _meta(cell)["grade_id"]


def test_given_neuron_behaves_exactly_like_the_lif_neuron_reference(notebook):
    source = next(c.source for c in notebook.cells if _meta(c)["grade_id"] == "lif_neuron_given")
    space = {"np": np}
    exec(source, space)
    given = space["LIFNeuron"]
    for cls_kwargs, s0, kicks in (((0.02, 0.1, 0.002), 1.7, {30: 0.2, 31: -0.1}),
                                  ((0.05, 0.05, 0.004), 0.0, {5: 0.3, 6: 0.3, 80: 0.5})):
        a, b = given(*cls_kwargs), LIFNeuron(*cls_kwargs)
        a.s = b.s = s0
        for k in range(300):
            if k in kicks:
                a.receive(kicks[k])
                b.receive(kicks[k])
            assert a.step(1e-3) == b.step(1e-3)
        assert a.spikes == b.spikes and a.v_history == b.v_history
        assert a.spikes_between(0.0, 0.1) == b.spikes_between(0.0, 0.1)


def test_unwritten_code_is_announced_in_one_line(notebook):
    """Read-only code cells that call student code catch NotImplementedError and say so."""
    student = set()
    for cell in notebook.cells:
        if cell.cell_type == "code" and _meta(cell)["solution"]:
            for node in ast.parse(cell.source).body:
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    student.add(node.name)
    for cell in notebook.cells:
        meta = _meta(cell)
        if cell.cell_type != "code" or meta["grade"] or meta["solution"]:
            continue
        tree = ast.parse(cell.source)
        calls = {n.func.id for n in ast.walk(tree)
                 if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        top_calls = calls & student
        defs_only = all(isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Import,
                                       ast.ImportFrom, ast.Assign)) for n in tree.body)
        if top_calls and not defs_only:
            assert "except NotImplementedError" in cell.source, meta["grade_id"]
            assert "above first" in cell.source, meta["grade_id"]


def test_slider_cell_is_tagged_and_headless_safe(notebook):
    sliders = [c for c in notebook.cells if "interactive_plot(" in c.source]
    assert len(sliders) == 1
    assert "nbval-ignore-output" in sliders[0].metadata.get("tags", [])


def test_release_has_no_reference_code():
    text = RELEASE.read_text()
    for marker in ("outgoing.setdefault", "np.concatenate([[True], np.diff(times) >= gap])",
                   "counts[spiked] = 1.0"):
        assert marker not in text
