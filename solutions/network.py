"""Reference solutions of the `spiking_networks` assignment (instructor only; imported by the grader).

The neuron is the dimensionless LIF of `lif_neuron` (`solutions.lif.LIFNeuron`): threshold 1,
reset 0, ``tau_m dv/dt = s - v``, ``tau_s ds/dt = -s``, an incoming spike of weight ``w`` adds
``w / tau_s`` to ``s``, spike times by linear interpolation, ``v`` held at 0 in every step that
starts before ``t_spike + tau_ref``. Input neurons are `course.spikes.InputNeuron`.

Delivery convention (stated in the notebook, tested by `course.checks.spiking_networks`): in one
step every neuron is updated once, from ``t`` to ``t + dt``, and the neurons that spiked in that
step are collected. After ALL neurons have been updated, each spike is delivered once along every
outgoing connection: ``post.receive(weight * count)``, where ``count`` is what ``pre.step(dt)``
returned. A spike therefore acts on its targets from the next step on (a transmission delay of one
step), whatever order the neurons were added in, and ``simulate(a); simulate(b)`` equals
``simulate(a + b)``.

Parameters: J. Orchard, CS 489/698 "Neural Networks", Assignment 1 "Modelling Neurons",
University of Waterloo (2019), questions 2 and 3 and its Figure 1.
"""
from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from course.spikes import InputNeuron
from solutions.lif import LIFNeuron, lif_rate

# ----- parameters (Orchard 2019, question 3 and Figure 1) ----------------------------------------
DT = 0.001            # s, "for all these simulations, you should use a time step of 1 ms"
TAU_M = 0.02          # s, every LIF of Figure 1 (a)-(c)
TAU_REF = 0.002       # s, every LIF of Figure 1 (a)-(c); kept for the ring (not stated there)
TAU_S_ONE = 0.1       # s, Figure 1 (a): the single LIF, reused in experiment (b)
TAU_S_PAIR = 0.05     # s, Figure 1 (b), (c): A, B and C
RAMP_RATES = np.arange(5.0, 100.0 + 1e-9, 5.0)     # Hz, 5, 10, ..., 100 (question 3b)
RAMP_HOLD = 2.0       # s per rate
RAMP_ENDS = RAMP_HOLD * np.arange(1, RAMP_RATES.size + 1)   # 2, 4, ..., 40 s
RAMP_WEIGHT = 0.03
PAIR_WEIGHT = 0.05    # A -> B, B -> A and input -> A (question 3c)
PAIR_RATE, PAIR_INPUT_END, PAIR_T_MAX = 30.0, 0.3, 1.0
INHIB_WEIGHT = -0.2   # C -> B (question 3d; the text fixes B)
INHIB_INPUT_WEIGHT = 0.05
INHIB_RATES, INHIB_ENDS = (0.0, 50.0), (0.7, 1.0)   # silent until 0.7 s, 50 Hz until 1 s
INHIB_T_MAX = 1.5
RING_SIZE = 8
RING_TAU_M, RING_TAU_S = 0.05, 0.1                  # question 3e
RING_W_EXC, RING_W_INH = 0.2, -0.4
RING_INPUT_RATE, RING_INPUT_END, RING_INPUT_WEIGHT = 25.0, 0.3, 0.2
RING_T_MAX = 4.0
RING_NAMES = "ABCDEFGH"


# ===== 1. the object-per-neuron network ==========================================================

class SpikingNetwork:
    """Neurons (anything with `step(dt) -> count` and `receive(weight)`) and weighted connections.

    `neurons`: list in the order added; `connections`: list of (pre, post, weight) tuples;
    `t`: current time (s); `t_history`: [0.0] plus the time after every step.
    """

    def __init__(self):
        self.neurons = []
        self.connections = []
        self.t = 0.0
        self.t_history = [self.t]

    def add_neuron(self, neuron):
        """Append `neuron` to the network and return it."""
        self.neurons.append(neuron)
        return neuron

    def connect(self, pre, post, weight):
        """A connection from `pre` to `post`: each spike of `pre` delivers `weight` to `post`."""
        self.connections.append((pre, post, float(weight)))

    def simulate(self, t_max, dt):
        """Advance by round(t_max / dt) steps of dt (t_max counted from the current time)."""
        targets = {}
        for pre, post, weight in self.connections:
            targets.setdefault(id(pre), []).append((post, weight))
        for _ in range(int(round(t_max / dt))):
            fired = []
            for neuron in self.neurons:
                count = neuron.step(dt)
                if count:
                    fired.append((neuron, count))
            for neuron, count in fired:
                for post, weight in targets.get(id(neuron), ()):
                    post.receive(weight * count)
            self.t = self.t + dt
            self.t_history.append(self.t)
        return self


# ===== 2. the experiments ========================================================================

def firing_rate_curve(input_times, dt=DT):
    """Question 3b: input -> LIF (w = 0.03, tau_m 20 ms, tau_s 100 ms, tau_ref 2 ms), 40 s.

    input_times: spike times (s) of the ramped input. One `simulate` call; the LIF's spikes are
    counted with `spikes_between` in [2i, 2i + 2) s. Returns (rates (20,) in Hz, net).
    """
    net = SpikingNetwork()
    source = net.add_neuron(InputNeuron(input_times))
    lif = net.add_neuron(LIFNeuron(tau_m=TAU_M, tau_s=TAU_S_ONE, tau_ref=TAU_REF))
    net.connect(source, lif, RAMP_WEIGHT)
    net.simulate(RAMP_ENDS[-1], dt)
    starts = RAMP_ENDS - RAMP_HOLD
    rates = np.array([lif.spikes_between(a, b) / RAMP_HOLD for a, b in zip(starts, RAMP_ENDS)])
    return rates, net


def mean_drive_rate(input_rates, weight, tau_m, tau_ref):
    """Rate (Hz) of an LIF whose drive is held at Campbell's mean E[s] = weight * rate.

    input_rates: array (n,) in Hz. Returns lif_rate(weight * input_rates), a float array (n,).
    """
    return lif_rate(weight * np.asarray(input_rates, dtype=float), tau_m, tau_ref)


def two_lif_network(input_times, t_max=PAIR_T_MAX, dt=DT):
    """Question 3c: neurons [input, A, B]; input -> A, A -> B, B -> A, all 0.05; tau_s 50 ms."""
    net = SpikingNetwork()
    source = net.add_neuron(InputNeuron(input_times))
    a = net.add_neuron(LIFNeuron(tau_m=TAU_M, tau_s=TAU_S_PAIR, tau_ref=TAU_REF))
    b = net.add_neuron(LIFNeuron(tau_m=TAU_M, tau_s=TAU_S_PAIR, tau_ref=TAU_REF))
    net.connect(source, a, PAIR_WEIGHT)
    net.connect(a, b, PAIR_WEIGHT)
    net.connect(b, a, PAIR_WEIGHT)
    net.simulate(t_max, dt)
    return net


def inhibition_network(input_times, inhibitor_input_times, t_max=INHIB_T_MAX, dt=DT):
    """Question 3d: neurons [input, A, B, input 2, C]; the pair of 3c plus C -> B (-0.2) and
    input 2 -> C (0.05); C like A and B."""
    net = SpikingNetwork()
    source = net.add_neuron(InputNeuron(input_times))
    a = net.add_neuron(LIFNeuron(tau_m=TAU_M, tau_s=TAU_S_PAIR, tau_ref=TAU_REF))
    b = net.add_neuron(LIFNeuron(tau_m=TAU_M, tau_s=TAU_S_PAIR, tau_ref=TAU_REF))
    source_c = net.add_neuron(InputNeuron(inhibitor_input_times))
    c = net.add_neuron(LIFNeuron(tau_m=TAU_M, tau_s=TAU_S_PAIR, tau_ref=TAU_REF))
    net.connect(source, a, PAIR_WEIGHT)
    net.connect(a, b, PAIR_WEIGHT)
    net.connect(b, a, PAIR_WEIGHT)
    net.connect(source_c, c, INHIB_INPUT_WEIGHT)
    net.connect(c, b, INHIB_WEIGHT)
    net.simulate(t_max, dt)
    return net


def ring_network(input_times, w_exc=RING_W_EXC, w_inh=RING_W_INH, tau_m=RING_TAU_M,
                 tau_s=RING_TAU_S, t_max=RING_T_MAX, dt=DT):
    """Question 3e: neurons [A, ..., H, input]; i -> i+1 with w_exc, i+1 -> i with w_inh
    (indices mod 8); input -> A with 0.2. tau_ref 2 ms."""
    net = SpikingNetwork()
    ring = [net.add_neuron(LIFNeuron(tau_m=tau_m, tau_s=tau_s, tau_ref=TAU_REF))
            for _ in range(RING_SIZE)]
    source = net.add_neuron(InputNeuron(input_times))
    for i in range(RING_SIZE):
        j = (i + 1) % RING_SIZE
        net.connect(ring[i], ring[j], w_exc)
        net.connect(ring[j], ring[i], w_inh)
    net.connect(source, ring[0], RING_INPUT_WEIGHT)
    net.simulate(t_max, dt)
    return net


# ===== 3. measuring spike trains =================================================================

def rates_in_windows(spike_times, windows):
    """Firing rate (Hz) in each half-open window [t0, t1): count / (t1 - t0).

    spike_times: sequence of times (s); windows: sequence of (t0, t1) with t1 > t0.
    Returns a float array (len(windows),).
    """
    times = np.asarray(spike_times, dtype=float)
    return np.array([np.count_nonzero((times >= t0) & (times < t1)) / (t1 - t0)
                     for t0, t1 in windows], dtype=float)


def burst_onsets(spike_times, gap):
    """Times of the spikes that start a burst: the first spike, and every spike that follows the
    previous one by at least `gap` seconds. spike_times: sorted; returns a float array."""
    times = np.asarray(spike_times, dtype=float)
    if times.size == 0:
        return times
    keep = np.concatenate([[True], np.diff(times) >= gap])
    return times[keep]


def wave_period(onsets):
    """Mean interval (s) between consecutive burst onsets, (last - first) / (n - 1); nan if n < 2."""
    onsets = np.asarray(onsets, dtype=float)
    if onsets.size < 2:
        return math.nan
    return float((onsets[-1] - onsets[0]) / (onsets.size - 1))


# ===== 4. the vectorised engine ==================================================================

class NetworkArrays:
    """All neurons of a network as arrays; connections as a sparse weight matrix.

    Neuron i is an LIF (`is_input[i]` False, parameters tau_m[i], tau_s[i], tau_ref[i]) or an input
    neuron that replays `trains[i]` (sorted spike times). ``weights[i, j]``: weight from neuron j
    (pre) to neuron i (post), a scipy.sparse CSR array (n, n). State: v, s, ref_end (n,), t.
    Records: `spikes` (n lists of times), `t_history` ([0.0] + one per step), `v_history` (copies of
    v, (n,) each; 0 for input neurons). The rules are those of `SpikingNetwork` with `LIFNeuron`.
    """

    def __init__(self, tau_m, tau_s, tau_ref, weights, is_input=None, trains=None):
        self.tau_m = np.array(tau_m, dtype=float)
        n = self.n = self.tau_m.size
        self.tau_s = np.broadcast_to(np.asarray(tau_s, dtype=float), (n,)).copy()
        self.tau_ref = np.broadcast_to(np.asarray(tau_ref, dtype=float), (n,)).copy()
        self.weights = sp.csr_array(weights, shape=(n, n), dtype=float)
        self._index_by_pre()
        self.is_input = np.zeros(n, bool) if is_input is None else np.array(is_input, bool)
        self.is_lif = ~self.is_input
        self.trains = [np.sort(np.asarray(trains[i] if trains is not None and trains[i] is not None
                                          else [], dtype=float)) for i in range(n)]
        # every input spike (t >= 0) in one time-sorted list of (time, neuron)
        owner = np.concatenate([np.full(np.count_nonzero(tr >= 0), i) for i, tr in enumerate(self.trains)]
                               + [np.zeros(0, int)])
        when = np.concatenate([tr[tr >= 0] for tr in self.trains] + [np.zeros(0)])
        order = np.argsort(when, kind="stable")
        self._event_times, self._event_owner = when[order], owner[order].astype(int)
        self._next_event = 0
        self.v = np.zeros(n)
        self.s = np.zeros(n)
        self.t = 0.0
        self.ref_end = np.full(n, -np.inf)
        self.spikes = [[] for _ in range(n)]
        self.t_history = [self.t]
        self.v_history = [self.v.copy()]

    @classmethod
    def from_network(cls, net):
        """The arrays of a fresh `SpikingNetwork` built from LIFNeuron and InputNeuron objects."""
        index = {id(nrn): i for i, nrn in enumerate(net.neurons)}
        n = len(net.neurons)
        is_input = [isinstance(nrn, InputNeuron) for nrn in net.neurons]
        par = [(1.0, 1.0, 0.0) if inp else (nrn.tau_m, nrn.tau_s, nrn.tau_ref)
               for nrn, inp in zip(net.neurons, is_input)]
        trains = [nrn.train if inp else None for nrn, inp in zip(net.neurons, is_input)]
        rows = [index[id(post)] for _, post, _ in net.connections]
        cols = [index[id(pre)] for pre, _, _ in net.connections]
        vals = [w for _, _, w in net.connections]
        weights = sp.coo_array((vals, (rows, cols)), shape=(n, n)).tocsr()  # duplicates summed
        p = np.array(par, dtype=float).reshape(n, 3)
        return cls(p[:, 0], p[:, 1], p[:, 2], weights, is_input, trains)

    def input_counts(self, dt):
        """Spikes of each input neuron in [t, t + dt) (float array (n,), 0 for LIFs)."""
        stop = int(np.searchsorted(self._event_times, self.t + dt, side="left"))
        owners = self._event_owner[self._next_event:stop]
        for i, ts in zip(owners.tolist(), self._event_times[self._next_event:stop].tolist()):
            self.spikes[i].append(ts)
        self._next_event = stop
        return np.bincount(owners, minlength=self.n).astype(float)

    def step(self, dt):
        """One step for all neurons, then delivery; returns the spike counts of the step (n,)."""
        counts = self.input_counts(dt)
        t, v, s = self.t, self.v, self.s
        v_new = v + dt * ((s - v) / self.tau_m)
        self.s = s + dt * (-s / self.tau_s)
        held = self.is_input | (t < self.ref_end)        # refractory LIFs and input neurons
        spiked = v_new >= 1.0
        spiked &= ~held
        fired = np.flatnonzero(spiked)
        if fired.size:
            t_spike = t + dt * (1.0 - v[fired]) / (v_new[fired] - v[fired])
            for i, ts in zip(fired.tolist(), t_spike.tolist()):
                self.spikes[i].append(ts)
            self.ref_end[fired] = t_spike + self.tau_ref[fired]
            counts[fired] = 1.0
            held |= spiked
        v_new[held] = 0.0
        self.v = v_new
        active = np.flatnonzero(counts)
        if active.size:   # only the columns of neurons that spiked: cost ~ spikes x fan-out
            self.s += self._deliver(active, counts[active]) / self.tau_s
        self.t = t + dt
        self.t_history.append(self.t)
        self.v_history.append(v_new.copy())
        return counts

    def _index_by_pre(self):
        """Column j of `weights` (the targets of neuron j) as slices of flat arrays."""
        by_pre = self.weights.tocsc()
        by_pre.sort_indices()
        self._indptr = by_pre.indptr.astype(np.int64)
        self._targets = by_pre.indices.astype(np.int64)
        self._weights = by_pre.data

    def _deliver(self, active, counts):
        """weights[:, active] @ counts without scipy's slicing overhead: gather the stored
        entries of the active columns and sum them per target with bincount."""
        starts = self._indptr[active]
        lengths = self._indptr[active + 1] - starts
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(self.n)
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        where = offsets + np.arange(total)
        values = self._weights[where] * np.repeat(counts, lengths)
        return np.bincount(self._targets[where], weights=values, minlength=self.n)

    def simulate(self, t_max, dt):
        """Advance by round(t_max / dt) steps."""
        for _ in range(int(round(t_max / dt))):
            self.step(dt)
        return self


# ===== 5. a random excitatory/inhibitory network (notebook speed test, benchmark) ================

def random_ei_network(n, p=0.1, frac_exc=0.8, w_exc=None, g=5.0, input_rate=None,
                      input_weight=None, t_max=1.0, rng=0):
    """Description of a random E/I network driven by one Poisson input neuron per LIF.

    Each ordered pair (j -> i, i != j) of the n LIFs is connected with probability p; the first
    frac_exc n neurons are excitatory (weight w_exc), the others inhibitory (-g w_exc). Defaults:
    w_exc = 2 / (p n) (the summed excitatory weight onto a neuron is about 1.6 whatever n is) and
    Poisson input of 40 Hz through 0.03 (mean drive 1.2, above threshold). Returns a dict with
    `weights` ((n, n) CSR over the LIFs), `inputs` (n spike-time arrays) and the parameters.
    """
    gen = np.random.default_rng(rng)
    w_exc = 2.0 / (p * n) if w_exc is None else w_exc
    input_rate = 40.0 if input_rate is None else input_rate
    input_weight = 0.03 if input_weight is None else input_weight
    rows, cols = [], []
    for i in range(n):                 # row by row: memory ~ n, not n^2
        pre = np.flatnonzero(gen.random(n) < p)
        pre = pre[pre != i]
        rows.append(np.full(pre.size, i))
        cols.append(pre)
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    n_exc = int(round(frac_exc * n))
    vals = np.where(cols < n_exc, w_exc, -g * w_exc)
    weights = sp.coo_array((vals, (rows, cols)), shape=(n, n)).tocsr()
    inputs = []
    for _ in range(n):
        count = gen.poisson(input_rate * t_max)
        inputs.append(np.sort(gen.uniform(0.0, t_max, count)))
    return {"n": n, "weights": weights, "inputs": inputs, "input_weight": input_weight,
            "tau_m": TAU_M, "tau_s": TAU_S_PAIR, "tau_ref": TAU_REF, "t_max": t_max}


def ei_as_arrays(desc):
    """NetworkArrays of a `random_ei_network` description: LIFs 0..n-1, inputs n..2n-1."""
    n = desc["n"]
    w = desc["weights"]
    feed = sp.diags_array(np.full(n, desc["input_weight"]), format="csr")
    full = sp.block_array([[w, feed], [None, sp.csr_array((n, n))]], format="csr")
    tau = np.concatenate([np.full(n, desc["tau_m"]), np.ones(n)])
    tau_s = np.concatenate([np.full(n, desc["tau_s"]), np.ones(n)])
    tau_ref = np.concatenate([np.full(n, desc["tau_ref"]), np.zeros(n)])
    is_input = np.concatenate([np.zeros(n, bool), np.ones(n, bool)])
    return NetworkArrays(tau, tau_s, tau_ref, full, is_input, [None] * n + list(desc["inputs"]))


def ei_as_objects(desc, network_cls=SpikingNetwork, neuron_cls=LIFNeuron):
    """SpikingNetwork of a `random_ei_network` description (same neuron order as `ei_as_arrays`)."""
    n = desc["n"]
    net = network_cls()
    lifs = [net.add_neuron(neuron_cls(tau_m=desc["tau_m"], tau_s=desc["tau_s"],
                                      tau_ref=desc["tau_ref"])) for _ in range(n)]
    sources = [net.add_neuron(InputNeuron(times)) for times in desc["inputs"]]
    coo = desc["weights"].tocoo()
    for i, j, w in zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()):
        net.connect(lifs[j], lifs[i], w)
    for k in range(n):
        net.connect(sources[k], lifs[k], desc["input_weight"])
    return net
