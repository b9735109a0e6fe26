"""Hidden checks of `lif_neuron` and the source notebook's nbgrader structure.

* The reference passes every check; every listed mistake fails with a message that names it.
* Correct implementations written differently from the reference (other loop structure, time
  kept as k * dt, a step counter for the refractory period, numpy instead of loops) pass.
* No case sits on a knife edge: perturbing any input by a relative 1e-11 changes no verdict,
  and spike times stay well away from step boundaries.
* The notebook's metadata is valid nbgrader schema 3, every grade cell has points, and every
  graded function has a visible test and exactly one hidden `check(...)` call.
"""
import ast
import math
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbgrader.nbgraderformat import MetadataValidator

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from course.checking import Case, load_object, run_cases  # noqa: E402
from course.checks import lif_neuron  # noqa: E402
from course.grading.compare import called_checks, case_failures, verdict  # noqa: E402

CHECKS = {item.name: item for item in lif_neuron.CHECKS}
NOTEBOOK = ROOT / "source" / "lif_neuron" / "lif_neuron.ipynb"


# ----- independently written correct implementations ---------------------------------------------

def alt_euler_step(v, i_inj, dt, tau_m=0.02, e_l=-0.06, r_m=1e8):
    h = dt / tau_m
    return (1.0 - h) * np.asarray(v, dtype=float) + h * (e_l + r_m * np.asarray(i_inj))


def alt_sinusoidal_current(t, i_mean=25e-11):
    return i_mean + i_mean * np.sin(2 * np.pi / 0.01 * np.asarray(t))


def alt_noisy_current(n_steps, i_mean, t_max, dt, rng):
    amplitude = 0.1 * (t_max / dt) ** 0.5
    return np.array([i_mean * (1 + amplitude * (2 * rng.random() - 1)) for _ in range(n_steps)])


def alt_simulate_lif_refractory(i_inj, dt, t_ref=0.01, tau_m=0.02, e_l=-0.06, r_m=1e8,
                                v_th=-0.05, v_reset=-0.07):
    """Neuromatch-style: time kept as t = k dt, refractory as 'last spike + t_ref > t'.

    Spike times are grid times here and t_ref a whole number of steps, so the comparison is made
    in units of steps (with half a step of slack) to keep it free of rounding.
    """
    v = [e_l]
    spikes = []
    last_spike_step = -10 ** 9
    n_ref = t_ref / dt
    for k, current in enumerate(i_inj[:-1]):
        step = k + 1
        if step - last_spike_step <= n_ref + 0.5:
            v.append(v_reset)
            continue
        new = v[-1] + (dt / tau_m) * (e_l - v[-1] + r_m * current)
        if new >= v_th:
            spikes.append(step * dt)
            last_spike_step = step
            new = v_reset
        v.append(new)
    return np.array(v), np.array(spikes)


def alt_simulate_lif(i_inj, dt, tau_m=0.02, e_l=-0.06, r_m=1e8, v_th=-0.05, v_reset=-0.07):
    return alt_simulate_lif_refractory(i_inj, dt, 0.0, tau_m, e_l, r_m, v_th, v_reset)


def alt_sample_statistics(x):
    return np.mean(x, axis=0), np.var(x, axis=0, ddof=1)


def alt_sample_autocovariance(x):
    return np.atleast_2d(np.cov(np.asarray(x), rowvar=False))


def alt_synaptic_current(counts, weight, tau_s, dt):
    counts = np.asarray(counts)
    decay = 1 - dt / tau_s
    rows = []
    for trial in counts:
        s = [0.0]
        for c in trial:
            s.append(decay * s[-1] + c * weight / tau_s)
        rows.append(s)
    return np.array(rows)


def alt_campbell_moments(rate, weight, tau_s):
    jump = weight / tau_s
    return jump * rate * tau_s, jump ** 2 * rate * tau_s / 2


def alt_spikes_in_window(spike_dict, t0, t1):
    return {k: np.array([t for t in v if t0 <= t < t1]) for k, v in spike_dict.items()}


def alt_binary_raster(spike_dict, n_bins, dt):
    out = np.zeros((len(spike_dict), n_bins), dtype=np.int8)
    for row, key in enumerate(sorted(spike_dict)):
        for t in spike_dict[key]:
            col = int(np.floor(t / dt + 0.5))
            if 0 <= col < n_bins:
                out[row, col] = 1
    return out


class AltLIFNeuron:
    """Time as k * dt, a refractory step counter, interpolation through the slope."""

    def __init__(self, tau_m=0.02, tau_s=0.1, tau_ref=0.002):
        self.tau_m, self.tau_s, self.tau_ref = tau_m, tau_s, tau_ref
        self.v = self.s = 0.0
        self.k = 0
        self.hold = 0
        self.spikes, self.v_history, self.t_history = [], [0.0], [0.0]

    def receive(self, weight):
        self.s += weight / self.tau_s

    def slope(self):
        self.dvdt = -(self.v - self.s) / self.tau_m
        self.dsdt = -(1.0 / self.tau_s) * self.s
        return self.dvdt, self.dsdt

    def step(self, dt):
        dvdt, dsdt = self.slope()
        t = self.k * dt
        before = len(self.spikes)
        self.s += dsdt * dt
        if self.hold > 0:
            self.hold -= 1
            self.v = 0.0
        else:
            v_new = self.v + dvdt * dt
            if v_new >= 1:
                self.spikes.append(t + (1 - self.v) / dvdt)
                self.hold = int(round(self.tau_ref / dt))
                v_new = 0.0
            self.v = v_new
        self.k += 1
        self.v_history.append(self.v)
        self.t_history.append(self.k * dt)
        return len(self.spikes) > before

    def spikes_between(self, t0, t1):
        times = np.asarray(self.spikes, dtype=float)
        return int(np.searchsorted(times, t1, "left") - np.searchsorted(times, t0, "left")) \
            if t1 >= t0 else 0


class AltLIFPopulation:
    """A population built from a list of single neurons (not vectorised at all)."""

    def __init__(self, n, tau_m=0.02, tau_s=0.1, tau_ref=0.002):
        def pick(p, i):
            return float(np.broadcast_to(p, (n,))[i])
        self.neurons = [AltLIFNeuron(pick(tau_m, i), pick(tau_s, i), pick(tau_ref, i))
                        for i in range(n)]
        self.v_history = [np.zeros(n)]
        self.t_history = [0.0]

    @property
    def s(self):
        return np.array([nrn.s for nrn in self.neurons])

    @s.setter
    def s(self, values):
        for nrn, value in zip(self.neurons, values):
            nrn.s = float(value)

    @property
    def spikes(self):
        return [nrn.spikes for nrn in self.neurons]

    def receive(self, weights):
        for nrn, w in zip(self.neurons, weights):
            nrn.receive(w)

    def step(self, dt):
        before = [len(nrn.spikes) for nrn in self.neurons]
        for nrn in self.neurons:
            nrn.step(dt)
        self.v_history.append(np.array([nrn.v for nrn in self.neurons]))
        self.t_history.append(self.neurons[0].t_history[-1])
        return np.array([len(nrn.spikes) > b for nrn, b in zip(self.neurons, before)])


def alt_drive_with_input(neuron, input_neuron, weight, t_max, dt):
    """Counts the input's spikes itself with spikes_between-like windows on k * dt."""
    train = np.sort(np.asarray(input_neuron.train))
    n_steps = int(round(t_max / dt))
    for k in range(n_steps):
        neuron.step(dt)
        start, end = k * dt, (k + 1) * dt
        count = np.count_nonzero((train >= start) & (train < end))
        neuron.receive(weight * count)     # after step k = before step k + 1
    return neuron


def alt_lif_rate(current, tau_m, tau_ref):
    return np.array([1 / (tau_ref - tau_m * math.log(1 - 1 / i)) if i > 1 else 0.0
                     for i in current])


def alt_euler_tau_eff(dt, tau_m):
    return dt / (math.log(tau_m) - math.log(tau_m - dt))


ALTERNATIVES = {
    "euler_step": alt_euler_step, "sinusoidal_current": alt_sinusoidal_current,
    "noisy_current": alt_noisy_current, "simulate_lif": alt_simulate_lif,
    "sample_statistics": alt_sample_statistics, "sample_autocovariance": alt_sample_autocovariance,
    "synaptic_current": alt_synaptic_current, "campbell_moments": alt_campbell_moments,
    "simulate_lif_refractory": alt_simulate_lif_refractory,
    "spikes_in_window": alt_spikes_in_window, "binary_raster": alt_binary_raster,
    "neuron_slope": AltLIFNeuron, "neuron_step": AltLIFNeuron,
    "neuron_spikes_between": AltLIFNeuron, "population_step": AltLIFPopulation,
    "drive_with_input": alt_drive_with_input, "lif_rate": alt_lif_rate,
    "euler_tau_eff": alt_euler_tau_eff,
}


# ----- the checks ------------------------------------------------------------------------------

def test_every_check_has_an_alternative_and_mistakes():
    assert set(ALTERNATIVES) == set(CHECKS)
    for name in ("neuron_step", "neuron_spikes_between", "simulate_lif_refractory",
                 "simulate_lif", "euler_step"):
        assert CHECKS[name].mistakes
    step_mistakes = " ".join([*CHECKS["neuron_step"].mistakes, *CHECKS["neuron_step"].signs])
    for word in ("no refractory", "no interpolation", "wrong reset", "wrong sign"):
        assert word in step_mistakes
    assert any("off by one" in d for d in CHECKS["neuron_spikes_between"].mistakes)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_reference_passes(name):
    item = CHECKS[name]
    results = run_cases(item, load_object(item.reference))
    assert all("value" in r for r in results)
    assert verdict(f"lif_neuron.{name}", results) is None


@pytest.mark.parametrize("name,description",
                         [(n, d) for n in sorted(CHECKS) for d in CHECKS[n].mistakes])
def test_each_mistake_fails_and_is_named(name, description):
    item = CHECKS[name]
    wrong = load_object(item.mistakes[description])
    message = verdict(f"lif_neuron.{name}", run_cases(item, wrong))
    assert message is not None, f"the mistake {description!r} passes {name}"
    assert f"Hint: your results match a common mistake: {description}." in message


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_independent_correct_implementation_passes(name):
    message = verdict(f"lif_neuron.{name}", run_cases(CHECKS[name], ALTERNATIVES[name]))
    assert message is None, message


def test_student_errors_are_reported_per_case():
    def broken(*args):
        raise ValueError("boom")
    message = verdict("lif_neuron.euler_step", run_cases(CHECKS["euler_step"], broken))
    assert "your code raised ValueError: boom" in message


# ----- no knife edges ----------------------------------------------------------------------------

def _scaled(value, factor):
    if isinstance(value, bool) or isinstance(value, (int, np.integer)):
        return value
    if isinstance(value, float):
        return value * factor
    if isinstance(value, np.ndarray):
        return value * factor if value.dtype.kind == "f" else value
    if isinstance(value, dict):
        return {k: _scaled(v, factor) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_scaled(v, factor) for v in value)
    return value


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_rounding_sized_changes_of_any_input_change_no_verdict(name):
    """Perturb one argument at a time by a relative +-1e-11: the reference must still pass."""
    item = CHECKS[name]
    reference = load_object(item.reference)
    for one in item.all_cases():
        if one.label.startswith("boundary"):
            continue        # exact equality with a spike time is the point of these cases
        expected = run_cases(_single(item, one), reference)
        for position in range(len(one.args)):
            for factor in (1 + 1e-11, 1 - 1e-11):
                args = list(one.args)
                args[position] = _scaled(args[position], factor)
                moved = Case(one.label, tuple(args), one.kwargs, one.run)
                got = run_cases(_single(item, moved), reference)
                failures = case_failures(_single(item, one), expected, got)
                assert not failures, f"{name}, case {one.label!r}, argument {position}: {failures}"


def _single(item, one):
    from dataclasses import replace
    return replace(item, cases=[one])


def _fraction_in_step(times, dt):
    frac = np.mod(np.asarray(times, dtype=float) / dt, 1.0)
    return np.minimum(frac, 1.0 - frac)


def test_spikes_and_inputs_stay_away_from_step_boundaries():
    for one in CHECKS["neuron_step"].all_cases():
        if one.label.startswith("boundary"):
            continue        # a spike exactly at the end of a step is the point of these cases
        result = one.apply(load_object(CHECKS["neuron_step"].reference))
        dt = one.args[4]
        assert result["spikes"].size and _fraction_in_step(result["spikes"], dt).min() > 1e-6
    for one in CHECKS["population_step"].all_cases():
        if one.label.startswith("boundary"):
            continue
        result = one.apply(load_object(CHECKS["population_step"].reference))
        for times in result["spikes"]:
            if times.size:
                assert _fraction_in_step(times, one.args[5]).min() > 1e-6
    for one in CHECKS["drive_with_input"].all_cases():
        assert _fraction_in_step(one.args[0], one.args[3]).min() > 1e-6
    for one in CHECKS["binary_raster"].all_cases():
        for times in one.args[0].values():
            if len(times):   # columns are round(t / dt): keep away from half steps
                assert np.abs(np.mod(np.asarray(times) / one.args[2], 1.0) - 0.5).min() > 1e-6


def test_refractory_periods_in_cases_are_whole_steps():
    for one in CHECKS["neuron_step"].all_cases():
        ratio = one.args[2] / one.args[4]
        assert abs(ratio - round(ratio)) < 1e-9
    for one in CHECKS["population_step"].all_cases():
        ratio = np.asarray(one.args[3]) / one.args[5]
        assert np.all(np.abs(ratio - np.round(ratio)) < 1e-9)


# ----- the source notebook ------------------------------------------------------------------

@pytest.fixture(scope="module")
def notebook():
    return nbformat.read(NOTEBOOK, as_version=4)


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def _hidden(source):
    """(visible part, hidden region) of a test cell; the hidden region comes first, so the check
    publishes its results before a visible assert can stop the cell (partial credit)."""
    start, end = source.find("### BEGIN HIDDEN TESTS"), source.find("### END HIDDEN TESTS")
    assert start == 0 < end
    return source[end:].split("\n", 1)[1], source[start:end]


def test_source_folder_holds_only_the_notebook():
    assert sorted(p.name for p in NOTEBOOK.parent.iterdir()) == ["lif_neuron.ipynb"]


def test_metadata_is_valid_nbgrader_schema_3(notebook):
    MetadataValidator().validate_nb(notebook)
    ids = [_meta(c)["grade_id"] for c in notebook.cells if _meta(c)]
    assert len(ids) == len(set(ids)) == len(notebook.cells)
    for cell in notebook.cells:
        meta = _meta(cell)
        assert meta["schema_version"] == 3
        if meta["grade"]:
            assert meta.get("points", 0) > 0, meta["grade_id"]
        if meta["solution"]:
            assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source


def test_points(notebook):
    auto = sum(_meta(c)["points"] for c in notebook.cells
               if _meta(c)["grade"] and not _meta(c)["solution"])
    manual = sum(_meta(c)["points"] for c in notebook.cells
                 if _meta(c)["grade"] and _meta(c)["solution"])
    assert (auto, manual) == (35, 9)
    assert "(44 points)" in notebook.cells[0].source


def test_every_check_is_called_once_from_a_test_cell_with_visible_asserts(notebook):
    called = []
    for cell in notebook.cells:
        meta = _meta(cell)
        if cell.cell_type != "code" or not meta["grade"] or meta["solution"]:
            assert "check(" not in cell.source or cell.cell_type != "code"
            continue
        visible, hidden = _hidden(cell.source)
        assert "assert " in visible, f"{meta['grade_id']} has no visible test"
        assert "from course.checking import check" in hidden
        names = called_checks(hidden)
        assert len(names) == 1 and "check(" not in visible, meta["grade_id"]
        called.extend(names)
    assert sorted(called) == sorted(f"lif_neuron.{name}" for name in CHECKS)


def test_every_graded_object_is_defined_in_an_answer_cell_and_checked(notebook):
    defined = set()
    for cell in notebook.cells:
        meta = _meta(cell)
        if cell.cell_type == "code" and meta["solution"] and not meta["grade"]:
            for node in ast.parse(cell.source).body:
                if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                    defined.add(node.name)
    checked = set()
    for cell in notebook.cells:
        if cell.cell_type == "code" and _meta(cell)["grade"] and not _meta(cell)["solution"]:
            for node in ast.walk(ast.parse(cell.source)):
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "check":
                    checked.add(node.args[1].id)
    assert checked == defined
    reference = {CHECKS[name].reference.split(":")[1] for name in CHECKS}
    assert reference == defined


def test_notebook_is_stored_executed_without_errors(notebook):
    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code_cells)
    assert not [o for c in code_cells for o in c.outputs if o.output_type == "error"]
    summaries = "".join(o.get("text", "") for c in code_cells for o in c.outputs)
    for name in CHECKS:
        assert f"hidden check lif_neuron.{name}: all" in summaries


def test_slider_cell_runs_headless_and_is_tagged(notebook):
    sliders = [c for c in notebook.cells if "interactive_plot(" in c.source]
    assert len(sliders) == 1
    assert "nbval-ignore-output" in sliders[0].metadata.get("tags", [])
    assert not _meta(sliders[0])["solution"]
