"""Paired, in-process A/B of a few functions: A = their source at a git ref (default ``main``),
B = this checkout. Two models of the same seed are stepped in lockstep (A then B, the order
alternating each week); CPU time (``time.process_time``) of each swapped function and of the
whole week is kept per model, and every array of ``model``, ``model.pop`` and ``model.needs``
is compared bitwise after each week (a difference stops the run).

    python benchmarks/pair_functions.py --residents 100000 --weeks 40 \\
        coprod_sim.mechanisms.collective_action:waiting_hours \\
        coprod_sim.levers.time_credits:TimeCredits.apply \\
        "coprod_sim.mechanisms.channels:informal+ask_ties"

A spec is ``module:function`` or ``module:Class.method``; ``+name`` adds compiled (numba)
helpers of the same module that the old function should call in their old form. The old
function runs in a copy of this checkout's module namespace, so it must be looked up at call
time (a module global, a method, a phase of ``schedule.WEEK`` or a model's channel), and two
specs where one calls the other do not combine (the old caller calls the new callee).
Reports the median of the weekly ratios B/A with the quartiles.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def source_at(ref: str, path: str) -> str:
    """The text of ``path`` (relative to the checkout) as it was at git ``ref``."""
    return subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{ref}:{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def old_version(ref: str, modname: str, qual: str):
    """(module, attribute path, the function as written at ``ref``)."""
    qual, *deps = qual.split("+")
    mod = importlib.import_module(modname)
    path = modname.replace(".", "/") + ".py"
    text = source_at(ref, path)
    tree = ast.parse(text)
    ns = dict(mod.__dict__)
    for d in deps:  # compiled helpers, compiled again from the old source (no cache)
        node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == d)
        node.decorator_list = [ast.parse("njit").body[0].value]
        exec(compile(ast.unparse(node), f"<{ref} {d}>", "exec"), ns)
    body, node = tree.body, None
    parts = qual.split(".")
    for p in parts:
        node = next(
            n for n in body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == p
        )
        body = node.body
    node.decorator_list = []
    src = "from __future__ import annotations\n" + ast.unparse(node)
    exec(compile(src, f"<{ref} {qual}>", "exec"), ns)
    return mod, parts, ns[parts[-1]]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("specs", nargs="+", help="module:function or module:Class.method[+helper]")
    ap.add_argument("--ref", default="main", help="git ref whose source is A")
    ap.add_argument("--residents", type=int, default=100_000)
    ap.add_argument("--weeks", type=int, default=40, help="paired weeks measured")
    ap.add_argument("--warmup", type=int, default=52, help="weeks run first (burn_in_years=0)")
    ap.add_argument("--levers", choices=["none", "all"], default="all")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    from coprod_sim import CoproductionModel, schedule
    from coprod_sim.levers import LEVERS

    swaps = []  # (owner, attribute, old, new, label)
    for spec in args.specs:
        modname, qual = spec.split(":")
        mod, parts, old = old_version(args.ref, modname, qual)
        owner = mod
        for p in parts[:-1]:
            owner = getattr(owner, p)
        new = getattr(owner, parts[-1])
        if hasattr(new, "name"):  # a channel's name
            old.name = new.name
        swaps.append((owner, parts[-1], old, new, f"{modname.rsplit('.', 1)[1]}.{qual}"))

    times: dict[tuple[str, str], list[float]] = {}
    current = ["B"]

    def timed(f, label):
        def wrapper(*a, **k):
            t = time.process_time()
            try:
                return f(*a, **k)
            finally:
                times.setdefault((current[0], label), []).append(time.process_time() - t)

        wrapper.__name__, wrapper.__doc__ = f.__name__, f.__doc__
        if hasattr(f, "name"):
            wrapper.name = f.name
        return wrapper

    wrapped = {}
    for _owner, _name, old, new, label in swaps:
        wrapped[label] = {"A": timed(old, label), "B": timed(new, label)}
    models = {}

    def use(which: str) -> None:
        current[0] = which
        for owner, name, old, new, label in swaps:
            every = (old, new, wrapped[label]["A"], wrapped[label]["B"])
            f = wrapped[label][which]
            setattr(owner, name, f)
            for phase in schedule.WEEK:  # a phase holds its function
                if getattr(phase, "run", None) in every:
                    object.__setattr__(phase, "run", f)
            for m in models.values():  # so does a model's list of channels
                m.channels[:] = [f if c in every else c for c in m.channels]

    def arrays(m) -> dict[str, np.ndarray]:
        out = {}
        for tag, obj in (("pop", m.pop), ("needs", m.needs), ("model", m)):
            out |= {f"{tag}.{k}": v for k, v in vars(obj).items() if isinstance(v, np.ndarray)}
        return out

    kw = {"rng": args.seed, "n_residents": args.residents, "burn_in_years": 0}
    if args.levers == "all":
        kw["policies"] = list(LEVERS)
    for which in "AB":
        use(which)
        models[which] = CoproductionModel(**kw)
        use(which)
        for _ in range(args.warmup):
            models[which].step()
    times.clear()
    week: dict[str, list[float]] = {"A": [], "B": []}
    for w in range(args.weeks):
        for which in "AB" if w % 2 == 0 else "BA":
            use(which)
            t = time.process_time()
            models[which].step()
            week[which].append(time.process_time() - t)
        a, b = arrays(models["A"]), arrays(models["B"])
        for k in a:
            if a[k].shape != b[k].shape or a[k].tobytes() != b[k].tobytes():
                print(f"A and B differ after paired week {w}: {k}")
                return 1
    print(
        f"{args.residents:,} residents, levers {args.levers}, {args.weeks} paired weeks after "
        f"{args.warmup}; A = {args.ref}, B = this checkout; all {len(a)} arrays bit-identical "
        "every week"
    )

    def report(label: str, a: list[float], b: list[float]) -> None:
        r = np.array(b) / np.array(a)
        q25, q50, q75 = np.quantile(r, [0.25, 0.5, 0.75])
        print(
            f"  {label:<50} A {np.median(a) * 1e3:7.3f} ms  B {np.median(b) * 1e3:7.3f} ms  "
            f"B/A {q50:.3f} ({q25:.3f}-{q75:.3f})"
        )

    for *_, label in swaps:
        a, b = times.get(("A", label), []), times.get(("B", label), [])
        if a and len(a) == len(b):
            report(label, a, b)
        else:
            print(f"  {label}: calls A {len(a)}, B {len(b)} (not paired)")
    report("whole week", week["A"], week["B"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
