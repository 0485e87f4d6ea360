"""Ctrl-C within a run (``StopOnInterrupt``): an interrupt Python could not raise (it landed in a
finaliser) is recorded and stops the run at the next check, without Python's "Exception
ignored ... Traceback" on stderr; any other unraisable error is still reported."""

from __future__ import annotations

import gc
import sys

import pytest

from coprod_sim.io.runtime import StopOnInterrupt


class _RaisesInDel:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def __del__(self) -> None:
        raise self.exc


def test_an_interrupt_in_a_finaliser_is_recorded_silently(capsys) -> None:
    with StopOnInterrupt() as stop:
        _RaisesInDel(KeyboardInterrupt())
        gc.collect()
        assert stop.requested
        with pytest.raises(KeyboardInterrupt):
            stop.check()
    assert "Exception ignored" not in capsys.readouterr().err


def test_another_error_in_a_finaliser_is_still_reported() -> None:
    seen = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.unraisablehook", lambda info: seen.append(info.exc_type))
        with StopOnInterrupt() as stop:
            _RaisesInDel(ValueError("boom"))
            gc.collect()
            assert not stop.requested
        assert sys.unraisablehook is not stop._unraisable
    assert seen == [ValueError]
