"""Common wrong versions of the `spiking_networks` exercises, so hidden tests can name the mistake.

Each class or function reproduces one mistake and is listed in the `mistakes` of a Check in
`course.checks.spiking_networks`. Classes override only the broken part of the reference.
"""
from __future__ import annotations

import math

import numpy as np

from solutions import network
from solutions.network import NetworkArrays, SpikingNetwork


# ----- the object-per-neuron network ----------------------------------------------------------

class NetworkSameStep(SpikingNetwork):
    """Delivers each spike as soon as its neuron has stepped: neurons later in the list receive it
    in the same step, earlier ones in the next, so the result depends on the order."""

    def simulate(self, t_max, dt):
        for _ in range(int(round(t_max / dt))):
            for neuron in self.neurons:
                count = neuron.step(dt)
                if count:
                    for pre, post, weight in self.connections:
                        if pre is neuron:
                            post.receive(weight * count)
            self.t = self.t + dt
            self.t_history.append(self.t)
        return self


class NetworkNotCleared(SpikingNetwork):
    """Double counting: the list of spiking neurons is never emptied, so every spike is delivered
    again in every later step."""

    def simulate(self, t_max, dt):
        fired = getattr(self, "_fired", [])
        self._fired = fired
        for _ in range(int(round(t_max / dt))):
            for neuron in self.neurons:
                count = neuron.step(dt)
                if count:
                    fired.append((neuron, count))
            for neuron, count in fired:
                for pre, post, weight in self.connections:
                    if pre is neuron:
                        post.receive(weight * count)
            self.t = self.t + dt
            self.t_history.append(self.t)
        return self


class NetworkReversed(SpikingNetwork):
    """Weights applied from post to pre: a spike of `post` reaches `pre`."""

    def connect(self, pre, post, weight):
        super().connect(post, pre, weight)


class NetworkInhibitionSign(SpikingNetwork):
    """Inhibition with the wrong sign: every weight is applied as its absolute value."""

    def connect(self, pre, post, weight):
        super().connect(pre, post, abs(weight))


class NetworkSharedHistory(SpikingNetwork):
    """History lists shared between networks: `neurons`, `connections` and `t_history` are class
    attributes, emptied by every new network, so all networks step the same neurons and append to
    the same history."""

    neurons: list = []
    connections: list = []
    t_history: list = []

    def __init__(self):
        self.neurons.clear()
        self.connections.clear()
        self.t_history.clear()
        self.t = 0.0
        self.t_history.append(self.t)


# ----- the experiments -------------------------------------------------------------------------

def firing_rate_curve_fine_dt(input_times):
    """Experiment (b) run at dt = 0.1 ms instead of the prescribed 1 ms."""
    return network.firing_rate_curve(input_times, dt=1e-4)


def two_lif_network_fine_dt(input_times, t_max=network.PAIR_T_MAX):
    """Experiment (c) run at dt = 0.1 ms instead of 1 ms."""
    return network.two_lif_network(input_times, t_max, dt=1e-4)


def inhibition_network_excitatory(input_times, inhibitor_input_times, t_max=network.INHIB_T_MAX):
    """C -> B with +0.2: inhibition with the wrong sign."""
    original = network.INHIB_WEIGHT
    try:
        network.INHIB_WEIGHT = abs(original)
        return network.inhibition_network(input_times, inhibitor_input_times, t_max)
    finally:
        network.INHIB_WEIGHT = original


def ring_network_reversed(input_times, w_exc=network.RING_W_EXC, w_inh=network.RING_W_INH,
                          tau_m=network.RING_TAU_M, tau_s=network.RING_TAU_S,
                          t_max=network.RING_T_MAX):
    """Excitation and inhibition swapped in direction: i -> i+1 inhibitory, i+1 -> i excitatory."""
    return network.ring_network(input_times, w_inh, w_exc, tau_m, tau_s, t_max)


def ring_network_fine_dt(input_times, w_exc=network.RING_W_EXC, w_inh=network.RING_W_INH,
                         tau_m=network.RING_TAU_M, tau_s=network.RING_TAU_S,
                         t_max=network.RING_T_MAX):
    """The ring run at dt = 0.1 ms instead of 1 ms."""
    return network.ring_network(input_times, w_exc, w_inh, tau_m, tau_s, t_max, dt=1e-4)


def mean_drive_rate_jump_weight(input_rates, weight, tau_m, tau_ref):
    """Campbell's mean taken as w nu tau_s (a jump of w instead of w / tau_s), tau_s = 0.1 s."""
    return network.mean_drive_rate(np.asarray(input_rates, dtype=float) * network.TAU_S_ONE,
                                   weight, tau_m, tau_ref)


def mean_drive_rate_no_refractory(input_rates, weight, tau_m, tau_ref):
    """Leaves the refractory period out of the interspike interval."""
    return network.mean_drive_rate(input_rates, weight, tau_m, 0.0)


def rates_in_windows_closed(spike_times, windows):
    """Counts t0 <= t <= t1: the end of the window included."""
    times = np.asarray(spike_times, dtype=float)
    return np.array([np.count_nonzero((times >= a) & (times <= b)) / (b - a) for a, b in windows],
                    dtype=float)


def rates_in_windows_counts(spike_times, windows):
    """Returns spike counts instead of rates (not divided by the window length)."""
    times = np.asarray(spike_times, dtype=float)
    return np.array([np.count_nonzero((times >= a) & (times < b)) for a, b in windows],
                    dtype=float)


def burst_onsets_strict(spike_times, gap):
    """A spike starts a burst only if the silence before it is strictly longer than `gap`."""
    times = np.asarray(spike_times, dtype=float)
    if times.size == 0:
        return times
    return times[np.concatenate([[True], np.diff(times) > gap])]


def burst_onsets_no_first(spike_times, gap):
    """Forgets that the very first spike starts a burst."""
    times = np.asarray(spike_times, dtype=float)
    return times[1:][np.diff(times) >= gap]


def wave_period_divided_by_n(onsets):
    """(last - first) / n instead of / (n - 1)."""
    onsets = np.asarray(onsets, dtype=float)
    if onsets.size < 2:
        return float("nan")
    return float((onsets[-1] - onsets[0]) / onsets.size)


# ----- the vectorised engine ------------------------------------------------------------------

def _arrays_step(self, dt, *, inputs_first=False, in_place=False):
    """NetworkArrays.step written out, with one of two mistakes switched on."""
    counts = self.input_counts(dt)
    if inputs_first and counts.any():
        self.s = self.s + (self.weights @ counts) / self.tau_s
    t = self.t
    dvdt = (self.s - self.v) / self.tau_m
    self.s = self.s + dt * (-self.s / self.tau_s)
    refractory = t < self.ref_end
    v_new = self.v + dt * dvdt
    spiked = self.is_lif & ~refractory & (v_new >= 1.0)
    for i in np.flatnonzero(spiked):
        t_spike = t + dt * (1.0 - self.v[i]) / (v_new[i] - self.v[i])
        self.spikes[i].append(float(t_spike))
        self.ref_end[i] = t_spike + self.tau_ref[i]
    delivered = spiked.astype(float) if inputs_first else counts + spiked
    new_v = np.where(refractory | spiked | self.is_input, 0.0, v_new)
    if in_place:
        self.v[:] = new_v
    else:
        self.v = new_v
    self.s = self.s + (self.weights @ delivered) / self.tau_s
    self.t = t + dt
    self.t_history.append(self.t)
    self.v_history.append(self.v if in_place else self.v.copy())
    return counts + spiked


class ArraysSameStep(NetworkArrays):
    """Delivers the input neurons' spikes before the LIFs are updated: they act in the same step."""

    def step(self, dt):
        return _arrays_step(self, dt, inputs_first=True)


class ArraysTransposed(NetworkArrays):
    """Uses weights[j, i] (post to pre) instead of weights[i, j]."""

    def __init__(self, tau_m, tau_s, tau_ref, weights, is_input=None, trains=None):
        super().__init__(tau_m, tau_s, tau_ref, weights, is_input, trains)
        self.weights = self.weights.T.tocsr()
        self._index_by_pre()


class ArraysAbsWeights(NetworkArrays):
    """Inhibition with the wrong sign: |weights|."""

    def __init__(self, tau_m, tau_s, tau_ref, weights, is_input=None, trains=None):
        super().__init__(tau_m, tau_s, tau_ref, weights, is_input, trains)
        self.weights = abs(self.weights)
        self._index_by_pre()


class ArraysSharedHistory(NetworkArrays):
    """Updates v in place and appends `self.v` itself to v_history (no copy): the history holds
    the same array many times, all equal to the latest state."""

    def step(self, dt):
        return _arrays_step(self, dt, in_place=True)


class ArraysDoubleCount(NetworkArrays):
    """Double counting: each step's spikes are delivered again in the following step."""

    def step(self, dt):
        previous = getattr(self, "_previous", None)
        if previous is not None and previous.any():
            self.s = self.s + (self.weights @ previous) / self.tau_s
        counts = super().step(dt)
        self._previous = counts.copy()
        return counts


# ----- signs: mistakes named by a property of the student's results ------------------------------
# sign(case, got, expected) -> True (this case shows it), False (it shows the mistake was not
# made), None (cannot tell); see course.checking.Check.signs.

def wrong_time_step(case, got, expected):
    """The experiment's network stepped with another dt than the one the text prescribes (the
    results report the network's mean time step)."""
    try:
        mine, wanted = float(got["time step"]), float(expected["time step"])
    except (TypeError, KeyError, ValueError):
        return None
    if mine != mine or wanted != wanted:        # nan: a network that never stepped
        return None
    return not math.isclose(mine, wanted, rel_tol=1e-6)
