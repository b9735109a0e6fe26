"""The tau slider's figure: drawn once, redrawn per value, cached per value and functions."""
import numpy as np

from course.data import load_digit_matrix
from course.views import SurfaceView
from solutions.leaky import lif_time_surface, time_surface


def test_pictures_are_pngs_cached_per_value_and_function():
    view = SurfaceView(load_digit_matrix(dt=1e-3)[:, :200])
    first = view.picture(time_surface, lif_time_surface, 20.0)
    assert first.startswith(b"\x89PNG")
    assert view.picture(time_surface, lif_time_surface, 20.0) is first       # from the cache
    assert view.picture(time_surface, lif_time_surface, 5.0) != first
    calls = []

    def redefined(spikes, tau, dt=1.0):
        calls.append(tau)
        return time_surface(spikes, tau, dt) * 0.5
    assert view.picture(redefined, lif_time_surface, 20.0) != first           # not stale
    assert calls == [20.0]


def test_picture_matches_a_fresh_figure_of_the_same_value():
    spikes = load_digit_matrix(dt=1e-3)[:, :150]
    reused = SurfaceView(spikes)
    reused.picture(time_surface, lif_time_surface, 3.0)
    again = reused.picture(time_surface, lif_time_surface, 40.0)
    fresh = SurfaceView(spikes).picture(time_surface, lif_time_surface, 40.0)
    assert again == fresh, "redrawing on the saved background must leave nothing of the last value"


def test_cache_is_bounded():
    view = SurfaceView(np.zeros((4, 10)), cache_size=3)
    for tau in (1.0, 2.0, 3.0, 4.0):
        view.picture(time_surface, lif_time_surface, tau)
    assert len(view._pictures) == 3
