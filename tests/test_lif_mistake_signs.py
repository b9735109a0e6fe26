"""Mistakes of `lif_neuron` named by what they do, not by matching one implementation.

Each hint given by a sign (`Check.signs`, solutions/lif_mistakes.py) is tested with at least two
implementations of the mistake written here independently of solutions/lif_mistakes.py and of
each other: a loop with a step counter, and a vectorised or time-based version (other variable
names, other but equivalent arithmetic). Correct implementations written the same two ways get
full marks and no hint. The implementations in solutions/lif_mistakes.py are named too.
"""
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.signal import lfilter

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from course.checking import find_check, load_object, run_cases  # noqa: E402
from course.checks import lif_neuron as checks  # noqa: E402
from course.grading.compare import verdict  # noqa: E402

SIGNS = {name: item.signs for name, item in ((i.name, i) for i in checks.CHECKS)}
LIF = dict(tau_m=0.02, e_l=-0.06, r_m=1e8, v_th=-0.05, v_reset=-0.07)


def hints(name, target):
    """The hint lines the grader gives for `target` on check `name` (None: all cases pass)."""
    message = verdict(f"lif_neuron.{name}", run_cases(find_check(f"lif_neuron.{name}"), target))
    if message is None:
        return None
    return [line.split("common mistake: ", 1)[1].rstrip(".")
            for line in message.splitlines() if line.startswith("Hint:")]


# ----- simulate_lif / simulate_lif_refractory, two ways ------------------------------------------

def counted_lif(i_inj, dt, t_ref, p, reset_to="v_reset", hold=True):
    """Loop with a countdown of held steps; `reset_to` names the parameter V is set to after a
    spike (None: not reset at all); `hold=False` leaves out the refractory period."""
    n = len(i_inj)
    v = np.empty(n)
    v[0] = p["e_l"]
    times = []
    countdown = 0
    hold_steps = int(round(t_ref / dt)) if hold else 0
    for k in range(1, n):
        if countdown > 0:
            v[k] = v[k - 1]
            countdown -= 1
            continue
        nxt = v[k - 1] + dt * (p["e_l"] - v[k - 1] + p["r_m"] * i_inj[k - 1]) / p["tau_m"]
        if nxt >= p["v_th"]:
            times.append(k * dt)
            countdown = hold_steps
            if reset_to is not None:
                nxt = p[reset_to]
        v[k] = nxt
    return v, np.array(times, dtype=float)


def segment_lif(i_inj, dt, t_ref, p, reset_to="v_reset", hold=True):
    """Vectorised between spikes: the free membrane v_{k+1} = (1 - h) v_k + h (E_L + R I_k) is
    one linear filter (scipy.signal.lfilter) from each reset on; find the first crossing, reset,
    hold, and filter again from there."""
    drive = np.asarray(i_inj, dtype=float)
    n = len(drive)
    h = dt / p["tau_m"]
    forcing = h * (p["e_l"] + p["r_m"] * drive)
    held = int(round(t_ref / dt)) if hold else 0
    v = np.empty(n)
    times = []
    start, v_start = 0, p["e_l"]
    while start < n:
        free, _ = lfilter([1.0], [1.0, -(1.0 - h)], forcing[start:n - 1], zi=[(1.0 - h) * v_start])
        path = np.concatenate([[v_start], free])
        above = np.flatnonzero(path[1:] >= p["v_th"])
        if not len(above):
            v[start:] = path
            break
        k = start + 1 + above[0]
        v[start:k] = path[:k - start]
        times.append(k * dt)
        after = path[k - start] if reset_to is None else p[reset_to]
        v[k:min(n, k + held + 1)] = after
        start, v_start = k + held, after
        if start == k and reset_to is None and k == n - 1:
            break
    return v, np.array(times, dtype=float)


def lif_function(engine, refractory, **mistake):
    """A student's simulate_lif (refractory=False) or simulate_lif_refractory built on `engine`."""
    if refractory:
        def simulate_lif_refractory(i_inj, dt, t_ref=0.01, tau_m=0.02, e_l=-0.06, r_m=1e8,
                                    v_th=-0.05, v_reset=-0.07):
            p = dict(tau_m=tau_m, e_l=e_l, r_m=r_m, v_th=v_th, v_reset=v_reset)
            return engine(i_inj, dt, t_ref, p, **mistake)
        return simulate_lif_refractory

    def simulate_lif(i_inj, dt, tau_m=0.02, e_l=-0.06, r_m=1e8, v_th=-0.05, v_reset=-0.07):
        p = dict(tau_m=tau_m, e_l=e_l, r_m=r_m, v_th=v_th, v_reset=v_reset)
        return engine(i_inj, dt, 0.0, p, **mistake)
    return simulate_lif


ENGINES = {"loop": counted_lif, "vectorised": segment_lif}


@pytest.mark.parametrize("engine", sorted(ENGINES))
@pytest.mark.parametrize("name", ["simulate_lif", "simulate_lif_refractory"])
def test_correct_simulations_pass_without_a_hint(engine, name):
    assert hints(name, lif_function(ENGINES[engine], name.endswith("refractory"))) is None


def _description(name, path_end):
    return next(d for d, path in SIGNS[name].items() if path.endswith(":" + path_end))


SIMULATION_MISTAKES = [
    ("simulate_lif_refractory", dict(hold=False), "not_held_after_spike"),
    ("simulate_lif", dict(reset_to="v_th"), "reset_to_threshold"),
    ("simulate_lif_refractory", dict(reset_to="v_th"), "reset_to_threshold_refractory"),
    ("simulate_lif", dict(reset_to="e_l"), "reset_to_rest"),
    ("simulate_lif_refractory", dict(reset_to="e_l"), "reset_to_rest_refractory"),
    ("simulate_lif", dict(reset_to=None), "never_reset"),
]


@pytest.mark.parametrize("engine", sorted(ENGINES))
@pytest.mark.parametrize("name, mistake, sign", SIMULATION_MISTAKES)
def test_simulation_mistakes_are_named_by_their_sign(engine, name, mistake, sign):
    found = hints(name, lif_function(ENGINES[engine], name.endswith("refractory"), **mistake))
    assert found == [_description(name, sign)]


# ----- the neuron class, two ways ----------------------------------------------------------------

class ClockNeuron:
    """Time-based: v held while the step starts before free_from = t_spike + tau_ref.
    Mistake switches: spike_time ("crossing", "step end", "step start"), hold, late_s (slope
    taken after s has stepped)."""

    spike_time, hold, late_s = "crossing", True, False

    def __init__(self, tau_m=0.02, tau_s=0.1, tau_ref=0.002):
        self.tau_m, self.tau_s, self.tau_ref = tau_m, tau_s, tau_ref
        self.v = self.s = self.t = 0.0
        self.dvdt = self.dsdt = 0.0
        self.free_from = -math.inf
        self.spikes, self.v_history, self.t_history = [], [0.0], [0.0]

    def receive(self, weight):
        self.s = self.s + weight / self.tau_s

    def slope(self):
        self.dvdt = (self.s - self.v) / self.tau_m
        self.dsdt = -self.s / self.tau_s
        return self.dvdt, self.dsdt

    def step(self, dt):
        v_old, t_old = self.v, self.t
        dvdt, dsdt = self.slope()
        self.s = self.s + dt * dsdt
        if self.late_s:
            dvdt = (self.s - v_old) / self.tau_m
        fired = 0
        if self.hold and t_old < self.free_from:
            self.v = 0.0
        else:
            guess = v_old + dt * dvdt
            if guess >= 1.0:
                crossing = t_old + dt * (1.0 - v_old) / (guess - v_old)
                when = {"crossing": crossing, "step end": t_old + dt,
                        "step start": t_old}[self.spike_time]
                self.spikes.append(when)
                self.free_from = when + self.tau_ref
                guess, fired = 0.0, 1
            self.v = guess
        self.t = t_old + dt
        self.v_history.append(self.v)
        self.t_history.append(self.t)
        return fired


class CounterNeuron:
    """Step-counted: time k * dt, a countdown of held steps, s decays by a factor per step and the
    crossing is found from the slope. Same mistake switches as ClockNeuron."""

    spike_time, hold, late_s = "crossing", True, False

    def __init__(self, tau_m=0.02, tau_s=0.1, tau_ref=0.002):
        self.tau_m, self.tau_s, self.tau_ref = tau_m, tau_s, tau_ref
        self.v, self.s, self.k, self.wait = 0.0, 0.0, 0, 0
        self.spikes, self.v_history, self.t_history = [], [0.0], [0.0]

    def receive(self, weight):
        self.s += weight / self.tau_s

    def slope(self):
        self.dvdt, self.dsdt = (self.s - self.v) / self.tau_m, -(self.s / self.tau_s)
        return self.dvdt, self.dsdt

    def step(self, dt):
        rate_v, _ = self.slope()
        self.s *= 1.0 - dt / self.tau_s
        if self.late_s:
            rate_v = (self.s - self.v) / self.tau_m
        t_here = self.k * dt
        self.k += 1
        spiked = False
        if self.wait:
            self.wait -= 1
            self.v = 0.0
        else:
            v_next = self.v + rate_v * dt
            if v_next >= 1:
                offset = {"crossing": (1 - self.v) / rate_v, "step end": dt,
                          "step start": 0.0}[self.spike_time]
                self.spikes.append(t_here + offset)
                self.wait = int(round(self.tau_ref / dt)) if self.hold else 0
                v_next, spiked = 0.0, True
            self.v = v_next
        self.v_history.append(self.v)
        self.t_history.append(self.k * dt)
        return int(spiked)

    def spikes_between(self, t0, t1):
        return sum(t0 <= x < t1 for x in self.spikes)


def neuron_class(base, **mistake):
    return type(base.__name__ + "Variant", (base,), dict(mistake))


NEURONS = {"clock": ClockNeuron, "counter": CounterNeuron}


@pytest.mark.parametrize("base", sorted(NEURONS))
def test_correct_neurons_pass_without_a_hint(base):
    assert hints("neuron_step", NEURONS[base]) is None


NEURON_MISTAKES = [
    (dict(spike_time="step end"), "neuron_spikes_on_grid"),
    (dict(spike_time="step start"), "neuron_spikes_on_grid"),
    (dict(hold=False), "neuron_not_held"),
    (dict(late_s=True), "slope_from_updated_s"),
]


@pytest.mark.parametrize("base", sorted(NEURONS))
@pytest.mark.parametrize("mistake, sign", NEURON_MISTAKES)
def test_neuron_mistakes_are_named_by_their_sign(base, mistake, sign):
    found = hints("neuron_step", neuron_class(NEURONS[base], **mistake))
    assert found == [_description("neuron_step", sign)]


# ----- the population, two ways ------------------------------------------------------------------

class ArrayPopulation:
    """Vectorised over neurons with boolean masks. Mistake switches: spike_time ("crossing",
    "step end"), hold, shared (one refractory end time for the whole population)."""

    spike_time, hold, shared = "crossing", True, False

    def __init__(self, n, tau_m=0.02, tau_s=0.1, tau_ref=0.002):
        self.n = n
        self.tau_m = np.broadcast_to(np.asarray(tau_m, dtype=float), (n,)).copy()
        self.tau_s = np.broadcast_to(np.asarray(tau_s, dtype=float), (n,)).copy()
        self.tau_ref = np.broadcast_to(np.asarray(tau_ref, dtype=float), (n,)).copy()
        self.v, self.s = np.zeros(n), np.zeros(n)
        self.t = 0.0
        self.free_from = np.full(n, -np.inf)
        self.spikes = [[] for _ in range(n)]
        self.v_history, self.t_history = [self.v.copy()], [0.0]

    def receive(self, weights):
        self.s = self.s + np.asarray(weights, dtype=float) / self.tau_s

    def step(self, dt):
        grow = (self.s - self.v) / self.tau_m
        self.s = self.s - dt * self.s / self.tau_s
        frozen = self.t < self.free_from
        guess = np.where(frozen, 0.0, self.v + dt * grow)
        fired = ~frozen & (guess >= 1.0)
        if self.spike_time == "crossing":
            when = self.t + dt * (1.0 - self.v) / np.where(fired, guess - self.v, 1.0)
        else:
            when = np.full(self.n, self.t + dt)
        for i in np.flatnonzero(fired):
            self.spikes[i].append(float(when[i]))
        if self.hold and fired.any():
            if self.shared:
                self.free_from[:] = np.max(when[fired] + self.tau_ref[fired])
            else:
                self.free_from[fired] = when[fired] + self.tau_ref[fired]
        self.v = np.where(fired, 0.0, guess)
        self.t += dt
        self.v_history.append(self.v.copy())
        self.t_history.append(self.t)
        return fired


class LoopPopulation:
    """A loop over neurons with plain floats and a countdown per neuron. Mistake switches:
    spike_time ("crossing", "step start"), hold, shared (one countdown for everyone, during which
    every membrane is frozen where it is)."""

    spike_time, hold, shared = "crossing", True, False

    def __init__(self, n, tau_m=0.02, tau_s=0.1, tau_ref=0.002):
        def each(x):
            return [float(a) for a in np.broadcast_to(x, (n,))]
        self.n, self.tm, self.ts, self.tr = n, each(tau_m), each(tau_s), each(tau_ref)
        self.vs, self.ss = [0.0] * n, [0.0] * n
        self.count = [0] * n
        self.common = 0
        self.k = 0
        self.spikes = [[] for _ in range(n)]
        self.v_history, self.t_history = [np.zeros(n)], [0.0]

    @property
    def v(self):
        return np.array(self.vs)

    @property
    def s(self):
        return np.array(self.ss)

    @s.setter
    def s(self, values):
        self.ss = [float(x) for x in values]

    def receive(self, weights):
        for i, w in enumerate(weights):
            self.ss[i] += w / self.ts[i]

    def step(self, dt):
        t0 = self.k * dt
        out = np.zeros(self.n, dtype=bool)
        common_was = self.common
        for i in range(self.n):
            rate = (self.ss[i] - self.vs[i]) / self.tm[i]
            self.ss[i] *= 1.0 - dt / self.ts[i]
            if self.shared and common_was:
                continue
            if not self.shared and self.count[i]:
                self.count[i] -= 1
                self.vs[i] = 0.0
                continue
            nxt = self.vs[i] + dt * rate
            if nxt >= 1.0:
                offset = (1.0 - self.vs[i]) / rate if self.spike_time == "crossing" else 0.0
                self.spikes[i].append(t0 + offset)
                steps = int(round(self.tr[i] / dt)) if self.hold else 0
                if self.shared:
                    self.common = max(self.common, steps + 1)
                else:
                    self.count[i] = steps
                nxt, out[i] = 0.0, True
            self.vs[i] = nxt
        if self.shared and common_was:
            self.common -= 1
        self.k += 1
        self.v_history.append(np.array(self.vs))
        self.t_history.append(self.k * dt)
        return out


POPULATIONS = {"arrays": ArrayPopulation, "loop": LoopPopulation}


@pytest.mark.parametrize("base", sorted(POPULATIONS))
def test_correct_populations_pass_without_a_hint(base):
    assert hints("population_step", POPULATIONS[base]) is None


POPULATION_MISTAKES = [
    (dict(spike_time="step end"), "population_spikes_on_grid"),
    (dict(spike_time="step start"), "population_spikes_on_grid"),
    (dict(hold=False), "population_not_held"),
    (dict(shared=True), "population_shared_refractory"),
]


@pytest.mark.parametrize("base", sorted(POPULATIONS))
@pytest.mark.parametrize("mistake, sign", POPULATION_MISTAKES)
def test_population_mistakes_are_named_by_their_sign(base, mistake, sign):
    if mistake.get("spike_time") not in (None, "crossing") and \
            mistake["spike_time"] not in {"arrays": ("step end",),
                                          "loop": ("step start",)}[base]:
        pytest.skip("this implementation offers the other grid time")
    found = hints("population_step", neuron_class(POPULATIONS[base], **mistake))
    assert found == [_description("population_step", sign)]


# ----- the reference's own mistake implementations are named by the signs too --------------------

@pytest.mark.parametrize("name, path, sign", [
    ("simulate_lif", "simulate_lif_reset_to_rest", "reset_to_rest"),
    ("simulate_lif", "simulate_lif_no_reset", "never_reset"),
    ("simulate_lif_refractory", "simulate_lif_refractory_none", "not_held_after_spike"),
    ("simulate_lif_refractory", "simulate_lif_refractory_reset_to_rest",
     "reset_to_rest_refractory"),
    ("neuron_step", "LIFNeuronNoRefractory", "neuron_not_held"),
    ("neuron_step", "LIFNeuronNoInterpolation", "neuron_spikes_on_grid"),
    ("population_step", "LIFPopulationNoRefractory", "population_not_held"),
    ("population_step", "LIFPopulationNoInterpolation", "population_spikes_on_grid"),
])
def test_the_written_mistakes_are_named_by_the_signs(name, path, sign):
    found = hints(name, load_object("solutions.lif_mistakes:" + path))
    assert found == [_description(name, sign)]


def test_every_sign_is_tested_with_two_implementations():
    tested = {}
    for name, _, sign in SIMULATION_MISTAKES:
        tested[(name, sign)] = len(ENGINES)
    for _, sign in NEURON_MISTAKES:
        tested[("neuron_step", sign)] = len(NEURONS)
    for _, sign in POPULATION_MISTAKES:
        tested[("population_step", sign)] = len(POPULATIONS)
    declared = {(name, path.split(":")[1]) for name, signs in SIGNS.items()
                for path in signs.values()}
    assert declared == set(tested) and min(tested.values()) >= 2
