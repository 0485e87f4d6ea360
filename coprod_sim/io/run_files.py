"""A finished run's files: the tables of ``coprod_sim.analysis.summary`` and the yearly
resident records (``coprod_sim.outputs.agent_records``) written into a run folder, each
through a temporary file (``atomic_write``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from coprod_sim.analysis.summary import (
    needs_by_deprivation,
    needs_by_kind_channel,
    needs_by_neighbourhood,
    summary_frame,
    summary_metrics,
    weekly_series,
)
from coprod_sim.io.run_folder import atomic_write
from coprod_sim.outputs.agent_records import FILE, WEEKS_PER_YEAR, agent_records_frame

if TYPE_CHECKING:
    from coprod_sim.model import CoproductionModel


def write_outputs(
    out: str | Path, model: CoproductionModel, written: list[Path] | None = None
) -> list[Path]:
    """Write a finished run's files into ``out`` (created if needed); returns the paths.

    Files the run writes are replaced (each through a temporary file flushed to disk and
    renamed, so never half written; ``atomic_write``); nothing else in the folder is touched.
    Each path is appended to ``written`` as soon as its file is complete, so a caller can say
    what was saved if a later file fails.
    """
    written = [] if written is None else written
    first = len(written)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tables = {
        "weekly.parquet": weekly_series(model),
        "needs_by_kind_channel.parquet": needs_by_kind_channel(model),
        "needs_by_neighbourhood.parquet": needs_by_neighbourhood(model),
        "needs_by_deprivation.parquet": needs_by_deprivation(model),
    }
    for name, df in tables.items():
        atomic_write(out / name, lambda p, df=df: df.to_parquet(p, index=False))
        written.append(out / name)
    summary = summary_frame(summary_metrics(model))
    atomic_write(out / "summary.csv", lambda p: summary.to_csv(p, index=False))
    written.append(out / "summary.csv")
    write_agent_records(out, model, written)  # residents_yearly.parquet, if recorded
    return written[first:]


def write_agent_records(
    out: str | Path, model: CoproductionModel, written: list[Path] | None = None
) -> list[Path]:
    """Write ``residents_yearly.parquet`` into ``out`` if the model recorded residents in at
    least one completed results year (nothing otherwise); each path written is appended to
    ``written`` too. Returns the paths."""
    collector = getattr(model, "agent_datacollector", None)
    if collector is None or model.week < WEEKS_PER_YEAR:  # no results year completed yet
        return []
    frame = agent_records_frame(model)
    path = Path(out) / FILE
    atomic_write(path, lambda p: frame.to_parquet(p, index=False))
    if written is not None:
        written.append(path)
    return [path]
