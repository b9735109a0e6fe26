"""Every rule a notebook states is listed in its check module next to the hidden case testing it."""
import pytest

from course.checks import leaky_integrators, lif_neuron

MODULES = {"leaky_integrators": leaky_integrators, "lif_neuron": lif_neuron}
SPECIAL = ("boundary", "type", "rounding", "out of range")


@pytest.mark.parametrize("assignment", sorted(MODULES))
def test_every_rule_names_an_existing_case(assignment):
    module = MODULES[assignment]
    labels = {item.name: {one.label for one in item.all_cases()} for item in module.CHECKS}
    for rule, name, label in module.RULES:
        assert name in labels, f"{rule}: no check {name!r}"
        assert label in labels[name], f"{rule}: check {name} has no case {label!r}"


@pytest.mark.parametrize("assignment", sorted(MODULES))
def test_every_edge_case_is_listed_with_its_rule(assignment):
    module = MODULES[assignment]
    listed = {(name, label) for _, name, label in module.RULES}
    for item in module.CHECKS:
        for one in item.all_cases():
            if one.label.startswith(SPECIAL) or "raises" in one.label:
                assert (item.name, one.label) in listed, f"{item.name}: {one.label!r} has no rule"


@pytest.mark.parametrize("assignment", sorted(MODULES))
def test_every_check_has_a_rule(assignment):
    module = MODULES[assignment]
    assert {item.name for item in module.CHECKS} == {name for _, name, _ in module.RULES}
