"""course.widgets: sliders draw once headless, only the given sliders appear, bad input fails."""
import ipywidgets
import pytest

from course.widgets import float_slider, interactive_plot


def test_headless_kernel_just_draws_once(monkeypatch):
    monkeypatch.setenv("COURSE_HEADLESS", "1")
    calls = []
    interactive_plot(lambda tau, threshold=0.1: calls.append((tau, threshold)),
                     tau=float_slider("tau", 20.0, 1.0, 200.0, 0.05, log=True))
    assert calls == [(pytest.approx(20.0), 0.1)]


def test_with_a_frontend_only_the_given_sliders_appear(monkeypatch):
    monkeypatch.delenv("COURSE_HEADLESS", raising=False)
    shown = []
    monkeypatch.setattr(ipywidgets.interaction, "display", lambda *a, **k: shown.append(a))
    calls = []

    def draw(tau, threshold=0.1):
        calls.append((tau, threshold))

    assert interactive_plot(draw, tau=float_slider("tau", 20.0, 1.0, 200.0, 0.05, log=True)) is None
    assert calls == [(pytest.approx(20.0), 0.1)]
    box = shown[0][0]
    sliders = [w for w in box.children if isinstance(w, ipywidgets.widgets.ValueWidget)
               and not isinstance(w, ipywidgets.Output)]
    assert [w.description for w in sliders] == ["tau"], "threshold must stay fixed"


def test_bad_sliders_are_rejected():
    with pytest.raises(ValueError, match="low < high"):
        float_slider("tau", 5.0, 10.0, 1.0, 0.1)
    with pytest.raises(ValueError, match="at least one slider"):
        interactive_plot(lambda tau: None)
    with pytest.raises(ValueError, match="no parameter"):
        interactive_plot(lambda tau: None, tau_m=float_slider("x", 1, 0, 2, 0.1))
