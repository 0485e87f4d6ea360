"""Random streams: one generator per (run seed, mechanism, week), stable across processes, so
that switching a lever on does not shift any other mechanism's draws (common random numbers)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from coprod_sim.model import CoproductionModel
from coprod_sim.state.streams import Streams, seed_from_rng


def test_same_key_same_draws_and_different_keys_differ() -> None:
    a, b = Streams(7), Streams(7)
    assert np.array_equal(a.get("needs", 3).random(20), b.get("needs", 3).random(20))
    base = a.get("needs", 3).random(20)
    for other in (a.get("needs", 4), a.get("dropout", 3), Streams(8).get("needs", 3)):
        assert not np.array_equal(base, other.random(20))


def test_streams_do_not_depend_on_the_process_hash_seed() -> None:
    """Python's hash() is salted per process; the stream keys must not be."""
    import coprod_sim.state.streams as streams_module

    # load streams.py alone (no mesa import) so the two extra processes start fast
    code = (
        "import importlib.util as u; "
        f"s = u.spec_from_file_location('s', {streams_module.__file__!r}); "
        "m = u.module_from_spec(s); s.loader.exec_module(m); "
        "print(repr(m.Streams(5).get('channel:informal', 9).random()))"
    )
    outs = set()
    for salt in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": salt}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        outs.add(out.stdout.strip())
    outs.add(repr(Streams(5).get("channel:informal", 9).random()))
    assert len(outs) == 1


def test_seed_from_rng_accepts_mesa_forms() -> None:
    assert seed_from_rng(42) == 42
    assert seed_from_rng(np.int64(42)) == 42
    ss = np.random.SeedSequence(3)
    assert seed_from_rng(ss) == seed_from_rng(np.random.SeedSequence(3))
    g1, g2 = np.random.default_rng(4), np.random.default_rng(4)
    assert seed_from_rng(g1) == seed_from_rng(g2)
    assert isinstance(seed_from_rng(None), int)
    with pytest.raises(TypeError):
        seed_from_rng(False)
    with pytest.raises(ValueError):
        seed_from_rng(-5)


class _DrawsALot:
    """A lever that draws from its own stream each week and changes nothing."""

    point = "start_of_week"

    def __call__(self, model: CoproductionModel) -> None:
        model.rng_for("greedy_lever").random(10_000)


class _DrawsFromMesaRng:
    """A careless lever drawing from Mesa's shared generator: must not move the model's draws."""

    point = "before_channels"

    def __call__(self, model: CoproductionModel) -> None:
        model.rng.random(1000)
        model.random.random()


@pytest.mark.parametrize("lever", [_DrawsALot, _DrawsFromMesaRng])
def test_a_lever_drawing_random_numbers_does_not_shift_the_others(lever: type, run_town) -> None:
    base = run_town(11, weeks=40).datacollector.get_model_vars_dataframe()
    with_lever = run_town(11, weeks=40, levers=[lever()]).datacollector.get_model_vars_dataframe()
    pd.testing.assert_frame_equal(base, with_lever)


def test_a_week_continues_within_itself_and_restarts_at_its_own_block() -> None:
    """Asking twice in one week continues the week's draws; a week's first draws do not
    depend on how much was drawn before (in that stream or any other)."""
    a, b = Streams(11), Streams(11)
    first = a.get("needs", 5).random(4)
    more = a.get("needs", 5).random(4)
    assert not np.array_equal(first, more)
    assert np.array_equal(np.concatenate([first, more]), b.get("needs", 5).random(8))
    b.get("needs", 6).random(1000)  # heavy use of week 6 on one side only
    assert np.array_equal(a.get("needs", 7).random(5), b.get("needs", 7).random(5))
    assert np.array_equal(a.get("needs", 5).random(4), first)  # going back replays


@pytest.mark.parametrize("weeks", [[0, 1, 2, 3], [-1, 0, 1, 5, 6, 2, 3], [4, 4, 5, 9, 10]])
def test_week_blocks_equal_pcg64_advanced_to_the_block(weeks: list[int]) -> None:
    """However a stream moves between weeks (the one-week jump or ``advance``), week w's
    draws are PCG64's outputs from position (w + 1) * 2**64 of the stream."""
    from coprod_sim.state.streams import BLOCK, _key

    s = Streams(11)
    for w in weeks:
        got = s.get("needs", w).random(5)
        ref = np.random.PCG64(np.random.SeedSequence(11, spawn_key=(_key("needs"),)))
        ref.advance((w + 1) * BLOCK)
        want = np.random.Generator(ref).random(5)
        if weeks.count(w) == 1:  # (a repeated week continues its block instead)
            assert np.array_equal(got, want)


def test_a_buffered_half_draw_does_not_leak_into_the_next_week_and_copies_agree() -> None:
    """A week that ends with half of a 64-bit draw buffered (a uint32 draw) leaves nothing
    behind: the next week's uint32 and float draws are PCG64's from the start of its block;
    a deep copy of the streams moves its own generator and gives the same draws."""
    import copy

    from coprod_sim.state.streams import BLOCK, _key

    def weeks(s: Streams) -> list[np.ndarray]:
        out = []
        for w in range(6):
            g = s.get("needs", w)
            out.append(np.concatenate([g.integers(0, 2**31, 3, dtype=np.uint32), g.random(3)]))
            g.integers(0, 7, 3, dtype=np.uint32)  # leaves half a 64-bit draw buffered
        return out

    s = Streams(3)
    s.get("needs", -1).integers(0, 7, 1, dtype=np.uint32)
    twin = copy.deepcopy(s)
    want = []
    for w in range(6):
        ref = np.random.PCG64(np.random.SeedSequence(3, spawn_key=(_key("needs"),)))
        ref.advance((w + 1) * BLOCK)
        g = np.random.Generator(ref)
        want.append(np.concatenate([g.integers(0, 2**31, 3, dtype=np.uint32), g.random(3)]))
    for got in (weeks(s), weeks(twin)):
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)
