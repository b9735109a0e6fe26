"""Hidden checks of `spiking_networks`: fixed inputs (public) and where the reference lives.

The grader compares with `solutions.network`. How the tolerances were chosen:

* Correct implementations differ only by rounding: the order in which the weights arriving at a
  neuron in one step are added (one `receive` per connection, or one sum through a weight
  matrix), time kept as ``t += dt`` or ``k * dt``, loops or numpy. That changes s and v by a few
  units in the last place (~1e-16). The LIF does not amplify it: between spikes Euler's update
  contracts (factor 1 - dt/tau_m), a reset erases the past, and spike times are interpolated
  from the same numbers.
* Every listed mistake moves a spike by at least one step (1 ms), adds or removes spikes, or
  changes a delivered weight by a whole weight.
* So rtol = 1e-7 with atol = 1e-9 (s, or the weight unit) separates the two by many orders of
  magnitude. The only place rounding could flip a result is a threshold crossing within ~1e-15 of
  1, or an input spike within ~1e-15 of a step boundary; `tests/test_network_checks.py` perturbs
  every input spike train by a relative 1e-11 and requires identical verdicts.
* Scripted probe neurons (`ProbeNeuron`) test the network's bookkeeping alone: they fire a fixed
  number of spikes in given steps and log the weight they received before each step.
"""
from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from course.checking import Check, case
from course.spikes import InputNeuron, generate_spike_train

REF = "solutions.network:"
WRONG = "solutions.network_mistakes:"

DT = 0.001
RAMP_RATES = np.arange(5.0, 100.0 + 1e-9, 5.0)
RAMP_ENDS = 2.0 * np.arange(1, 21)


# ----- a scripted neuron for the network's bookkeeping ----------------------------------------

class ProbeNeuron:
    """Looks like a neuron to a network. It fires `schedule[k]` spikes in its step k (counted from
    0), returns that count from `step`, and logs the total weight received since its previous step
    (`received[k]` is what arrived before step k; `pending` what arrived after the last one)."""

    def __init__(self, schedule=None):
        self.schedule = dict(schedule or {})
        self.k = 0
        self.t = 0.0
        self.pending = 0.0
        self.received = []
        self.spikes = []

    def receive(self, weight):
        self.pending += float(weight)

    def step(self, dt):
        self.received.append(self.pending)
        self.pending = 0.0
        count = int(self.schedule.get(self.k, 0))
        self.spikes.extend([self.t + 0.5 * dt] * count)
        self.k += 1
        self.t += dt
        return count


def _probe_report(net, probes):
    return {"received": [np.asarray(p.received, dtype=float) for p in probes],
            "pending": np.asarray([p.pending for p in probes], dtype=float),
            "t_history": np.asarray(net.t_history, dtype=float)}


def _run_wiring(cls, schedules, edges, order, t_max, dt):
    """Probes with `schedules`; edges (pre, post, weight) by probe index; added in `order`."""
    probes = [ProbeNeuron(s) for s in schedules]
    net = cls()
    returned = [net.add_neuron(probes[i]) is probes[i] for i in order]
    for pre, post, weight in edges:
        net.connect(probes[pre], probes[post], weight)
    net.simulate(t_max, dt)
    out = _probe_report(net, probes)
    out["add_neuron returns the neuron"] = all(returned)
    out["neurons (probe numbers, in order)"] = [_index(probes, n) for n in net.neurons]
    out["connections as (pre, post, weight)"] = [
        [_index(probes, c[0]), _index(probes, c[1]), float(c[2])] for c in net.connections]
    return out


def _index(probes, neuron):
    for i, probe in enumerate(probes):
        if neuron is probe:
            return i
    return -1


def _run_input_counts(cls, input_times, weight, t_max, dt):
    """An InputNeuron (several spikes may fall in one step) feeding a probe."""
    source, probe = InputNeuron(input_times), ProbeNeuron()
    net = cls()
    net.add_neuron(probe)
    net.add_neuron(source)
    net.connect(source, probe, weight)
    net.simulate(t_max, dt)
    return _probe_report(net, [probe])


def _run_two_calls(cls, schedules, edges, first, second, dt):
    """Two simulate calls in a row must equal one long call."""
    probes = [ProbeNeuron(s) for s in schedules]
    net = cls()
    for p in probes:
        net.add_neuron(p)
    for pre, post, weight in edges:
        net.connect(probes[pre], probes[post], weight)
    net.simulate(first, dt)
    mid = len(net.t_history)
    net.simulate(second, dt)
    out = _probe_report(net, probes)
    out["entries after the first call"] = mid
    return out


def _run_two_networks(cls, dt):
    """Two networks built one after the other; each keeps its own neurons and history."""
    p1 = [ProbeNeuron({1: 1}), ProbeNeuron()]
    p2 = [ProbeNeuron({0: 1, 2: 1}), ProbeNeuron(), ProbeNeuron()]
    net1, net2 = cls(), cls()
    for p in p1:
        net1.add_neuron(p)
    for p in p2:
        net2.add_neuron(p)
    net1.connect(p1[0], p1[1], 0.3)
    net2.connect(p2[0], p2[1], 0.2)
    net2.connect(p2[0], p2[2], -0.1)
    net1.simulate(3 * dt, dt)
    net2.simulate(5 * dt, dt)
    return {"first": _probe_report(net1, p1), "second": _probe_report(net2, p2),
            "neurons": [len(net1.neurons), len(net2.neurons)],
            "connections": [len(net1.connections), len(net2.connections)]}


def _network_cases():
    chain = [{1: 1, 4: 1}, {2: 1}, {}]
    return [
        case("one spike in step 2 (A -> B, w = 0.5): B gets it before its step 3",
             [{2: 1}, {}], [(0, 1, 0.5)], [0, 1], 0.006, DT, run=_run_wiring),
        case("the same, but B added before A: the order must not matter",
             [{2: 1}, {}], [(0, 1, 0.5)], [1, 0], 0.006, DT, run=_run_wiring),
        case("chain A -> B -> C added in reverse order (C, B, A)",
             chain, [(0, 1, 0.25), (1, 2, 0.75)], [2, 1, 0], 0.007, DT, run=_run_wiring),
        case("direction: only A -> B is connected; B's spikes must not reach A",
             [{1: 1}, {0: 1, 3: 1}], [(0, 1, 0.4)], [0, 1], 0.005, DT, run=_run_wiring),
        case("excitatory 0.3 and inhibitory -0.4 onto one target, same step and apart",
             [{1: 1, 3: 1}, {1: 1, 5: 1}, {}], [(0, 2, 0.3), (1, 2, -0.4)], [2, 0, 1], 0.008,
             DT, run=_run_wiring),
        case("fan-out, a self-connection and a connection made twice",
             [{0: 1, 2: 1}, {}, {}], [(0, 1, 0.2), (0, 2, 0.1), (0, 0, 0.05), (0, 1, 0.2)],
             [1, 0, 2], 0.004, DT, run=_run_wiring),
        case("a spike in the last step is delivered at the end of that step (pending)",
             [{3: 1}, {}], [(0, 1, 0.6)], [0, 1], 0.004, DT, run=_run_wiring),
        case("dt = 0.5 ms, t_max = 2.5 ms: 5 steps", [{0: 1, 3: 1}, {}], [(0, 1, 0.2)], [0, 1],
             0.0025, 0.0005, run=_run_wiring),
        case("an input neuron with two spikes in one step delivers 2 x weight",
             np.array([0.0012, 0.0017, 0.0043, 0.0066]), 0.05, 0.008, DT, run=_run_input_counts),
        case("two simulate calls (4 ms + 3 ms) continue like one; spike in the last step of the "
             "first call", [{3: 1, 5: 1}, {}, {4: 1}], [(0, 1, 0.5), (2, 1, -0.25)], 0.004,
             0.003, DT, run=_run_two_calls),
        case("two networks built one after the other keep separate neurons and histories", DT,
             run=_run_two_networks),
    ]


# ----- experiments (the student's network with the notebook's LIFNeuron) ----------------------

def _lif_spikes(neuron):
    return np.asarray(neuron.spikes, dtype=float).ravel()


def _time_step(net):
    steps = np.diff(np.asarray(net.t_history, dtype=float))
    return float(steps.mean()) if steps.size else math.nan


def _run_rate_curve(target, input_times):
    rates, net = target(input_times)
    return {"time step": _time_step(net), "rates (Hz)": np.asarray(rates, dtype=float)}


def _run_pair(target, input_times):
    net = target(input_times)
    a, b = _lif_spikes(net.neurons[1]), _lif_spikes(net.neurons[2])
    last = max(a.max() if a.size else 0.0, b.max() if b.size else 0.0)
    return {"time step": _time_step(net), "A": a, "B": b,
            "activity after the input ends (s)": max(last - 0.3, 0.0)}


def _run_inhibition(target, input_times, inhibitor_times):
    net = target(input_times, inhibitor_times)
    return {"time step": _time_step(net), "A": _lif_spikes(net.neurons[1]),
            "B": _lif_spikes(net.neurons[2]), "C": _lif_spikes(net.neurons[4])}


def _run_ring(target, input_times, *params):
    net = target(input_times, *params)
    return {"time step": _time_step(net),
            "ring": [_lif_spikes(net.neurons[i]) for i in range(8)]}


def _train(rates, ends, seed):
    return generate_spike_train(rates, ends, rng=seed)


def _rate_curve_cases():
    return [case(f"ramped input, rng={seed}", _train(RAMP_RATES, RAMP_ENDS, seed),
                 run=_run_rate_curve) for seed in (11, 12)]


def _pair_cases():
    return [
        case("30 Hz for 0.3 s, rng=1 (activity outlasts the input)", _train([30, 0], [0.3, 1], 1),
             run=_run_pair),
        case("30 Hz for 0.3 s, rng=5", _train([30, 0], [0.3, 1], 5), run=_run_pair),
        case("only 3 input spikes (rng=0)", _train([30, 0], [0.3, 1], 0), run=_run_pair),
    ]


def _inhibition_cases():
    return [
        case("rng=1 and rng=101", _train([30, 0], [0.3, 1], 1), _train([0, 50], [0.7, 1], 101),
             run=_run_inhibition),
        case("rng=3 and rng=103", _train([30, 0], [0.3, 1], 3), _train([0, 50], [0.7, 1], 103),
             run=_run_inhibition),
    ]


def _ring_cases():
    return [
        case("25 Hz for 0.3 s into A, rng=5: the wave travels", _train([25, 0], [0.3, 4], 5),
             run=_run_ring),
        case("rng=1: the wave dies out", _train([25, 0], [0.3, 4], 1), run=_run_ring),
        case("w_exc 0.3, w_inh -0.2, tau_m 30 ms, tau_s 80 ms, 2 s", _train([25, 0], [0.3, 4], 2),
             0.3, -0.2, 0.03, 0.08, 2.0, run=_run_ring),
    ]


def _mean_drive_cases():
    return [
        case("the ramp: 5 .. 100 Hz, w = 0.03", RAMP_RATES, 0.03, 0.02, 0.002),
        case("w = 0.05, tau_m = 50 ms, tau_ref = 0", np.array([10.0, 25.0, 40.0, 80.0]), 0.05,
             0.05, 0.0),
        case("all below threshold (w nu < 1): 0 Hz", np.array([1.0, 10.0, 30.0]), 0.03, 0.02,
             0.002),
        case("boundary: w nu = 1 exactly gives 0 Hz", np.array([20.0, 40.0]), 0.05, 0.02, 0.002),
    ]


SPIKES = [0.1, 0.25, 0.5, 0.75, 1.0, 1.125]


def _window_cases():
    return [
        case("windows strictly between spikes", SPIKES, [(0.0, 0.2), (0.3, 0.9), (1.2, 2.0)]),
        case("boundary: windows that start and end on spikes", SPIKES,
             [(0.25, 0.75), (0.5, 1.0), (0.1, 1.125)]),
        case("no spikes", [], [(0.0, 1.0), (0.5, 0.75)]),
    ]


def _onset_cases():
    bursts = [0.0105, 0.0213, 0.0331, 0.4102, 0.4219, 0.8051, 0.8157, 0.8279, 0.8394]
    return [
        case("three bursts, gap 0.1 s", bursts, 0.1),
        case("boundary: a silence of exactly the gap starts a burst", [0.5, 0.75, 0.8125, 1.5],
             0.25),
        case("one spike", [0.3], 0.1),
        case("no spikes", [], 0.1),
    ]


def _period_cases():
    return [
        case("5 onsets", np.array([0.243, 0.538, 0.943, 1.31, 1.71])),
        case("2 onsets", np.array([0.5, 0.875])),
        case("1 onset: nan", np.array([0.2])),
    ]


# ----- the vectorised engine --------------------------------------------------------------------

def _pair_arrays(input_times, tau_s=0.05, inhibitor=None):
    """Neurons [input, A, B] (+ [input 2, C] with C -> B = -0.2) as arrays."""
    n = 3 if inhibitor is None else 5
    w = np.zeros((n, n))
    w[1, 0] = w[2, 1] = w[1, 2] = 0.05
    trains = [input_times, None, None]
    is_input = [True, False, False]
    if inhibitor is not None:
        w[4, 3], w[2, 4] = 0.05, -0.2
        trains += [inhibitor, None]
        is_input += [True, False]
    tau_m = np.where(is_input, 1.0, 0.02)
    tau_s_arr = np.where(is_input, 1.0, tau_s)
    tau_ref = np.where(is_input, 0.0, 0.002)
    return tau_m, tau_s_arr, tau_ref, sp.csr_array(w), is_input, trains


def _ring_arrays(input_times, w_exc=0.2, w_inh=-0.4, tau_m=0.05, tau_s=0.1):
    w = np.zeros((9, 9))
    for i in range(8):
        j = (i + 1) % 8
        w[j, i] = w_exc
        w[i, j] = w_inh
    w[0, 8] = 0.2
    is_input = [False] * 8 + [True]
    return (np.array([tau_m] * 8 + [1.0]), np.array([tau_s] * 8 + [1.0]),
            np.array([0.002] * 8 + [0.0]), sp.csr_array(w), is_input, [None] * 8 + [input_times])


def _random_arrays(n, seed):
    """n LIFs with random weights (p = 0.2, 80 % excitatory) and one Poisson input each."""
    rng = np.random.default_rng(seed)
    mask = (rng.random((n, n)) < 0.2) & ~np.eye(n, dtype=bool)
    w = np.where(np.arange(n) < int(0.8 * n), 0.2, -0.5)[None, :] * mask
    full = np.zeros((2 * n, 2 * n))
    full[:n, :n] = w
    full[np.arange(n), n + np.arange(n)] = 0.04
    trains = [None] * n + [np.sort(rng.uniform(0, 0.3, rng.poisson(15))) for _ in range(n)]
    is_input = [False] * n + [True] * n
    tau_m = np.concatenate([rng.uniform(0.01, 0.03, n), np.ones(n)])
    tau_s = np.concatenate([rng.uniform(0.02, 0.1, n), np.ones(n)])
    tau_ref = np.concatenate([np.full(n, 0.002), np.zeros(n)])
    return tau_m, tau_s, tau_ref, sp.csr_array(full), is_input, trains


def _run_arrays(cls, description, t_max, dt):
    net = cls(*description)
    counts = [np.asarray(net.step(dt), dtype=float) for _ in range(int(round(t_max / dt)))]
    return {"counts returned by step": np.asarray(counts, dtype=float),
            "spikes": [np.asarray(x, dtype=float).ravel() for x in net.spikes],
            "v_history": np.asarray(net.v_history, dtype=float),
            "t_history": np.asarray(net.t_history, dtype=float)}


def _arrays_cases():
    return [
        case("experiment (c) as arrays, rng=1, 1 s", _pair_arrays(_train([30, 0], [0.3, 1], 1)),
             1.0, DT, run=_run_arrays),
        case("experiment (d) as arrays, 1.5 s",
             _pair_arrays(_train([30, 0], [0.3, 1], 3), inhibitor=_train([0, 50], [0.7, 1], 103)),
             1.5, DT, run=_run_arrays),
        case("the ring as arrays, rng=5, 2 s", _ring_arrays(_train([25, 0], [0.3, 4], 5)), 2.0, DT,
             run=_run_arrays),
        case("20 LIFs with random E/I weights and their own time constants, 0.3 s",
             _random_arrays(20, 7), 0.3, DT, run=_run_arrays),
        case("two input spikes in one step, dt = 0.5 ms",
             _pair_arrays(np.array([0.0101, 0.0104, 0.0302, 0.0307, 0.0311]), tau_s=0.02), 0.1,
             0.0005, run=_run_arrays),
    ]


#: A mistake named by the time step the results report, whatever dt was used (exact match of the
#: 0.1 ms version, and the sign `wrong_time_step` for any other).
WRONG_DT = ("experiment run at the wrong dt: the network's time step is not the 1 ms the text "
            "prescribes")

CHECKS = [
    Check("network", REF + "SpikingNetwork", _network_cases, rtol=1e-7, atol=1e-9,
          mistakes={"a spike is delivered in the same step it occurs, so the result depends on "
                    "the order of the neurons": WRONG + "NetworkSameStep",
                    "double counting: spikes are delivered again in later steps (the list of "
                    "spiking neurons is never emptied)": WRONG + "NetworkNotCleared",
                    "weights applied from post to pre instead of pre to post":
                    WRONG + "NetworkReversed",
                    "inhibition with the wrong sign (negative weights act as positive)":
                    WRONG + "NetworkInhibitionSign",
                    "history lists shared between networks (class attributes or default "
                    "arguments)": WRONG + "NetworkSharedHistory"}),
    Check("mean_drive_rate", REF + "mean_drive_rate", _mean_drive_cases,
          mistakes={"Campbell's mean taken as w nu tau_s (a jump of w instead of w / tau_s)":
                    WRONG + "mean_drive_rate_jump_weight",
                    "refractory period left out of the interspike interval":
                    WRONG + "mean_drive_rate_no_refractory"}),
    Check("firing_rate_curve", REF + "firing_rate_curve", _rate_curve_cases, rtol=1e-7,
          atol=1e-9,
          mistakes={WRONG_DT: WRONG + "firing_rate_curve_fine_dt"},
          signs={WRONG_DT: WRONG + "wrong_time_step"}),
    Check("rates_in_windows", REF + "rates_in_windows", _window_cases,
          mistakes={"off by one: the window [t0, t1] includes t1": WRONG + "rates_in_windows_closed",
                    "spike counts instead of rates (not divided by t1 - t0)":
                    WRONG + "rates_in_windows_counts"}),
    Check("two_lif_network", REF + "two_lif_network", _pair_cases, rtol=1e-7, atol=1e-9,
          mistakes={WRONG_DT: WRONG + "two_lif_network_fine_dt"},
          signs={WRONG_DT: WRONG + "wrong_time_step"}),
    Check("inhibition_network", REF + "inhibition_network", _inhibition_cases, rtol=1e-7,
          atol=1e-9,
          mistakes={"inhibition with the wrong sign: C -> B is +0.2":
                    WRONG + "inhibition_network_excitatory"}),
    Check("ring_network", REF + "ring_network", _ring_cases, rtol=1e-7, atol=1e-9,
          mistakes={"ring directions swapped: excitation runs backwards, inhibition forwards":
                    WRONG + "ring_network_reversed",
                    WRONG_DT: WRONG + "ring_network_fine_dt"},
          signs={WRONG_DT: WRONG + "wrong_time_step"}),
    Check("burst_onsets", REF + "burst_onsets", _onset_cases,
          mistakes={"a silence of exactly `gap` does not start a burst (> instead of >=)":
                    WRONG + "burst_onsets_strict",
                    "the first spike is not counted as a burst onset":
                    WRONG + "burst_onsets_no_first"},
          # returning the spike times unchanged passes two of four cases
          credit="all"),
    Check("wave_period", REF + "wave_period", _period_cases,
          mistakes={"divided by the number of onsets n instead of the n - 1 intervals":
                    WRONG + "wave_period_divided_by_n"},
          # a constant nan passes the one-onset case, a third of the cases
          credit="all"),
    Check("network_arrays", REF + "NetworkArrays", _arrays_cases, rtol=1e-7, atol=1e-9,
          mistakes={"input spikes delivered in the same step (before the neurons are updated)":
                    WRONG + "ArraysSameStep",
                    "weights applied from post to pre: weights.T instead of weights":
                    WRONG + "ArraysTransposed",
                    "inhibition with the wrong sign (|weights|)": WRONG + "ArraysAbsWeights",
                    "history entries share one array (v appended without a copy)":
                    WRONG + "ArraysSharedHistory",
                    "double counting: each step's spikes are delivered again in the next step":
                    WRONG + "ArraysDoubleCount"}),
]

# Every rule the notebook states, with the hidden case that tests it: (rule, check, case label).
_NET = "network"
RULES = [
    ("a spike fired in step k reaches its targets before their step k + 1", _NET,
     "one spike in step 2 (A -> B, w = 0.5): B gets it before its step 3"),
    ("delivery happens after all neurons stepped: the order of the neurons does not matter", _NET,
     "the same, but B added before A: the order must not matter"),
    ("each hop of a chain costs one step, whatever the order", _NET,
     "chain A -> B -> C added in reverse order (C, B, A)"),
    ("weights act from pre to post only", _NET,
     "direction: only A -> B is connected; B's spikes must not reach A"),
    ("negative weights are inhibitory; weights arriving in one step add up", _NET,
     "excitatory 0.3 and inhibitory -0.4 onto one target, same step and apart"),
    ("a pair connected twice gets both weights; self-connections are allowed; add_neuron returns "
     "the neuron; connections are stored as (pre, post, weight)", _NET,
     "fan-out, a self-connection and a connection made twice"),
    ("a spike of the last step is delivered at the end of that step", _NET,
     "a spike in the last step is delivered at the end of that step (pending)"),
    ("simulate runs round(t_max / dt) steps", _NET, "dt = 0.5 ms, t_max = 2.5 ms: 5 steps"),
    ("an input neuron's count c delivers c x weight", _NET,
     "an input neuron with two spikes in one step delivers 2 x weight"),
    ("a second simulate call continues exactly where the first stopped", _NET,
     "two simulate calls (4 ms + 3 ms) continue like one; spike in the last step of the "
     "first call"),
    ("every network has its own lists (neurons, connections, t_history)", _NET,
     "two networks built one after the other keep separate neurons and histories"),
    ("mean-drive rate is 0 where w nu <= 1", "mean_drive_rate",
     "boundary: w nu = 1 exactly gives 0 Hz"),
    ("mean-drive rate is the LIF rate of the drive w nu", "mean_drive_rate",
     "the ramp: 5 .. 100 Hz, w = 0.03"),
    ("the ramp is simulated at dt = 1 ms in one call, counted in [2i, 2i + 2) s",
     "firing_rate_curve", "ramped input, rng=11"),
    ("windows are half-open [t0, t1); rates are counts / (t1 - t0)", "rates_in_windows",
     "boundary: windows that start and end on spikes"),
    ("the pair: neurons input, A, B; input -> A; 1 s at dt = 1 ms", "two_lif_network",
     "30 Hz for 0.3 s, rng=1 (activity outlasts the input)"),
    ("C inhibits B with -0.2; neurons input, A, B, input 2, C; 1.5 s", "inhibition_network",
     "rng=1 and rng=101"),
    ("ring: A..H then the input, i -> i+1 w_exc, i+1 -> i w_inh, input -> A 0.2",
     "ring_network", "25 Hz for 0.3 s into A, rng=5: the wave travels"),
    ("ring: the arguments w_exc, w_inh, tau_m, tau_s, t_max are used", "ring_network",
     "w_exc 0.3, w_inh -0.2, tau_m 30 ms, tau_s 80 ms, 2 s"),
    ("a silence of exactly `gap` starts a burst; the first spike always does", "burst_onsets",
     "boundary: a silence of exactly the gap starts a burst"),
    ("no spikes give no onsets", "burst_onsets", "no spikes"),
    ("the period is (last - first) / (n - 1); nan for fewer than 2 onsets", "wave_period",
     "1 onset: nan"),
    ("the engine equals SpikingNetwork with LIFNeuron, delivering after the update",
     "network_arrays", "experiment (c) as arrays, rng=1, 1 s"),
    ("input counts of 2 in one step, v of input neurons 0, v_history holds copies",
     "network_arrays", "two input spikes in one step, dt = 0.5 ms"),
]
