"""Student text speaks to students: no authoring notes such as "the seed slides" in releases.

The word "seed" may appear only where it means the seed of a random-number generator, i.e. on a
line that also mentions `rng`, `default_rng`, `np.random`, `Generator`, "random" or `seed=`.
Case labels of hidden checks reach students in their feedback, so they are held to the same rule.
"""
import re
from pathlib import Path

import nbformat
import pytest

from course.checking import Check
from course.nbgrader_api import assignments_in

ROOT = Path(__file__).resolve().parents[1]
SEED = re.compile(r"\bseeds?\b", re.I)
RANDOM_CONTEXT = re.compile(r"\brng\b|default_rng|np\.random|numpy\.random|Generator|random|"
                            r"seed\s*=", re.I)
ASSIGNMENTS = ("leaky_integrators", "lif_neuron")


def authoring_seeds(text):
    """Lines of `text` that say "seed" without a random-number context."""
    return [line.strip() for line in text.splitlines()
            if SEED.search(line) and not RANDOM_CONTEXT.search(line)]


def test_the_rule_itself():
    assert authoring_seeds("The seed slides drive the neuron")
    assert authoring_seeds("# s, seed 000 experiment 3a")
    assert not authoring_seeds("rng = np.random.default_rng(2020)  # seed")
    assert not authoring_seeds("`rng` is a numpy `Generator` or an integer seed.")
    assert not authoring_seeds("generate_spike_train([30], [1.0], seed=3)")


@pytest.mark.parametrize("assignment", sorted(set(ASSIGNMENTS) & set(assignments_in(ROOT))))
def test_release_notebook_has_no_authoring_seed(assignment):
    nb = nbformat.read(ROOT / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    found = [(i, line) for i, cell in enumerate(nb.cells) for line in authoring_seeds(cell.source)]
    assert not found, f"student text mentions a seed that is not a random seed: {found}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_case_labels_have_no_authoring_seed(assignment):
    module = __import__(f"course.checks.{assignment}", fromlist=["CHECKS"])
    labels = [one.label for item in module.CHECKS if isinstance(item, Check)
              for one in item.all_cases()]
    assert not [label for label in labels if authoring_seeds(label)]
