"""The workshop page (Solara): layout and wiring only; the logic is in the sibling modules.

Served by ``coprod-sim dashboard``. Every browser session builds its own models (``use_memo``
inside ``Page``), so a facilitator's screen and participants' laptops never share one. The
outcomes the room cares about are large ECharts at the top (``top_charts``); playing updates
them every few weeks (``controller.play``); a new town is built in a background thread with its
progress shown (``controller.BuildStatus``); a session can be saved and opened (``session``).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from html import escape
from typing import Any
from urllib.parse import parse_qs

import solara

from coprod_sim.dashboard import charts, figures, room, session, top_charts
from coprod_sim.dashboard import formatting as fmt
from coprod_sim.dashboard.controller import (
    SPEEDS,
    WEEKS_PER_YEAR,
    BuildStatus,
    PairedFutures,
    check_town,
    play,
    warm_up,
    year_end,
)
from coprod_sim.dashboard.controls import (
    ParamControl,
    future_choices,
    lever_controls,
    parse_value,
)
from coprod_sim.dashboard.ensemble import (
    DEFAULT_REPLICATIONS,
    describe,
    start_ensemble,
    uncertainty,
)
from coprod_sim.levers import Lever
from coprod_sim.parameters import ScenarioError
from coprod_sim.state.towns import TOWNS

DEFAULT_SPEED = "4 weeks a second"
#: presenter mode's charts (2 x 2 on a 1280 x 720 projector)
PRESENTER_CHARTS = ("formal", "unmet", "crises", "purse")
CONTROLS = lever_controls()
FUTURE_CHOICES = future_choices()
#: the room voting on panel B's levers (``coprod-sim dashboard --room``), or None
ROOM = room.server_room()
# the compiled passes load while the first page opens, not when the room first presses Play
threading.Thread(target=warm_up, name="coprod-sim warm-up", daemon=True).start()
PHONE_CSS = """
[class*='phone-lever-'] .v-input--selection-controls { margin-top: 0; padding-top: 0; }
[class*='phone-lever-'] .v-messages { display: none; }
[class*='phone-lever-'] .v-input__slot { margin-bottom: 2px; }
"""
TABLE_CSS = """
.diff-table { border-collapse: collapse; font-size: 0.9em; }
.diff-table td, .diff-table th { padding: 2px 10px; text-align: right; }
.diff-table td:first-child, .diff-table th:first-child { text-align: left; }
.diff-table tbody tr:nth-child(odd) { background: #f4f4f4; }
.diff-table tr.key-row td { font-weight: bold; font-size: 1.05em; }
"""


def guarded(action: Callable[[], Any], report: Callable[[str], None]) -> Callable[[], None]:
    """Run ``action``; a bad value or a failure becomes a message on the page, never a traceback."""

    def run() -> None:
        try:
            action()
            report("")
        except ScenarioError as exc:
            report(str(exc))
        except Exception as exc:  # noqa: BLE001 - the room must never see a traceback
            report(f"Something went wrong ({type(exc).__name__}: {exc}); nothing was changed.")

    return run


@solara.component
def ParamInput(
    ctl: PairedFutures, panel: int, lever: str, control: ParamControl, on_done, on: bool, shown
):
    """One lever parameter; ``shown`` is the lever's (name, value) pairs as the page shows them."""
    values = dict(shown)
    error, set_error = solara.use_state("")

    def on_value(text: str) -> None:
        try:
            value = parse_value(lever, control, text)
            with ctl.lock:
                ctl.drafts[panel][lever][control.name] = value
                if on:
                    ctl.set_lever(panel, lever, True, {**values, control.name: value})
            set_error("")
            on_done("")
        except ScenarioError as exc:
            set_error(str(exc))
            on_done(str(exc))

    unit = f" ({control.unit})" if control.unit and control.unit != "-" else ""
    solara.InputText(
        label=f"{control.label}{unit}",
        value=str(values.get(control.name, control.default)),
        on_value=on_value,
        continuous_update=False,
        error=error or False,
        message=control.help_text(),
        classes=[f"param-{panel}-{lever}-{control.name}"],
    )


def lever_view(ctl: PairedFutures, panel: int, lever: str) -> tuple[bool, tuple]:
    """Whether a lever is on in a panel, and its parameters as shown (typed drafts on top)."""
    on, current = ctl.lever_state(panel, lever)
    merged = {**current, **ctl.drafts[panel][lever]}
    for timing in Lever.TIMING:  # set by the switch itself
        merged.pop(timing, None)
    return on, tuple(sorted(merged.items()))


@solara.component
def LeverCard(ctl: PairedFutures, panel: int, lever, on_change, on: bool, shown):
    # takes its state as arguments: redrawn only when this lever changes, not every week
    def toggle(value: bool) -> None:
        def act() -> None:
            with ctl.lock:
                ctl.set_lever(panel, lever.name, value, dict(shown))

        guarded(act, on_change)()

    with solara.Column(gap="0px", classes=[f"lever-{panel}-{lever.name}"]):
        solara.Switch(label=lever.title, value=on, on_value=toggle)
        solara.Text(lever.summary, style={"font-size": "0.85em"})
        solara.Text(f"Source: {lever.source}", style={"font-size": "0.75em", "color": "#666"})
        if on:
            for c in lever.main_params:
                ParamInput(ctl, panel, lever.name, c, on_change, on, shown)
            with solara.Details(summary="More settings (timing, costs)"):
                for c in lever.other_params:
                    if c.name not in Lever.TIMING:
                        ParamInput(ctl, panel, lever.name, c, on_change, on, shown)


@solara.component
def PanelCard(ctl: PairedFutures, panel: int, bands: dict, set_bands, on_change, version: int = 0):
    p = ctl.panels[panel]
    run = solara.use_reactive(None)
    progress = solara.use_reactive("")

    def wait_for_ensemble() -> None:
        r = run.value
        if r is None:
            return
        while not r.finished:
            progress.set(describe(r))
            time.sleep(0.5)
        err = r.error()
        if err:
            progress.set(err)
            r.close()
        else:
            band = r.result()
            set_bands(lambda old: {**old, panel: band})
            progress.set(
                f"{len(r.seeds)} replications done: bands show 80% of them; "
                f"{uncertainty(ctl.choice.town)} (the line is one run of the declared town)"
            )
        run.set(None)

    solara.use_thread(wait_for_ensemble, dependencies=[run.value], intrusive_cancel=False)

    def start() -> None:
        with ctl.lock:
            run.set(start_ensemble(ctl.choice, p.plan.copy_until(10**9), DEFAULT_REPLICATIONS))
        progress.set("starting worker processes...")

    def branch() -> None:
        with ctl.lock:
            ctl.branch(0, panel)
        set_bands(lambda old: {k: v for k, v in old.items() if k != panel})

    with solara.Card(title=f"Panel {p.label}", classes=[f"panel-{p.label}"]):
        solara.Text(f"Levers: {p.plan.describe()}", classes=[f"plan-{p.label}"])
        # always the same elements in the same places (an element that comes and goes would
        # shift its siblings, and Solara would rebuild them and lose their state)
        solara.Text(f"({p.note})" if p.note else "", style={"font-size": "0.85em"})
        with solara.Row():
            if panel > 0:
                solara.Button(
                    f"Copy A here from week {ctl.week} (branch)",
                    on_click=guarded(branch, on_change),
                    disabled=ctl.week == 0,
                    classes=[f"branch-{p.label}"],
                )
            solara.Button(
                f"Run {DEFAULT_REPLICATIONS} replications",
                on_click=guarded(start, on_change),
                disabled=run.value is not None,
                classes=[f"ensemble-{p.label}"],
            )
        solara.Text(progress.value, classes=[f"progress-{p.label}"])
        with solara.Details(summary="Policy levers (switch on or off; from this week on)"):
            for lever in CONTROLS:
                LeverCard(ctl, panel, lever, on_change, *lever_view(ctl, panel, lever.name))


@solara.component
def Settings(ctl: PairedFutures, on_change, build: Callable[..., None], version: int = 0):
    c = ctl.choice
    fields = solara.use_reactive({})  # last typed text per field (kept when refused)
    errors = solara.use_reactive({})

    def apply(name: str, value: Any) -> None:
        typed = {**fields.value, name: value}
        fields.set(typed)
        args = {
            "town": c.town,
            "residents": c.residents,
            "years": c.years,
            "seed": c.seed,
            "future": c.future,
            **typed,
        }
        try:
            choice = check_town(**args)
        except ScenarioError as exc:
            errors.set({name: str(exc)})
            on_change(str(exc))
            return
        errors.set({})
        fields.set({})
        on_change("")
        # a big town takes a while: built in the background, with progress on the page
        size = choice.residents or TOWNS[choice.town].residents
        what = f"Building {choice.town}, {fmt.count(size)} residents, seed {choice.seed}"
        build(lambda status: ctl.set_choice(choice, status), what)

    with solara.Row(style={"align-items": "flex-start", "flex-wrap": "wrap"}):
        solara.Select(
            label="Town", value=c.town, values=list(TOWNS), on_value=lambda v: apply("town", v),
            classes=["setting-town"],
        )  # fmt: skip
        solara.Select(
            label="Future", value=c.future or "none",
            values=FUTURE_CHOICES + ([c.future] if c.future not in ("", *FUTURE_CHOICES) else []),
            on_value=lambda v: apply("future", v), classes=["setting-future"],
        )  # fmt: skip
        for name, label, current in (
            ("residents", "Residents (0 = the preset's)", c.residents),
            ("years", "Years", f"{c.years:g}"),
            ("seed", "Seed", c.seed),
        ):
            solara.InputText(
                label=label,
                value=str(fields.value.get(name, current)),
                on_value=lambda v, name=name: apply(name, v),
                continuous_update=False,
                error=errors.value.get(name) or False,
                classes=[f"setting-{name}"],
            )
        solara.Select(
            label="Panels",
            value=str(len(ctl.panels)),
            values=["2", "3"],
            on_value=lambda v: _set_panels(ctl, v, on_change),
        )


def _set_panels(ctl: PairedFutures, value: str, on_change) -> None:
    def act() -> None:
        with ctl.lock:
            ctl.set_panels(int(value))

    guarded(act, on_change)()


@solara.component
def SessionFile(ctl: PairedFutures, on_change, build: Callable[..., None], tick: int):
    """Save the session (town, seed, levers and switches by week) to a file; open one."""

    def saved() -> bytes:
        with ctl.lock:
            return session.save(ctl)

    def opened(info: Any) -> None:
        data = info["data"] if isinstance(info, dict) else info.data
        try:
            session.read(data)  # checked before anything changes
        except ScenarioError as exc:
            on_change(str(exc))
            return
        on_change("")
        build(lambda status: ctl.take(session.restore(data, status)), "Opening the session")

    def link() -> str:
        with ctl.lock:
            return session.to_link(ctl)

    token = solara.use_memo(link, [tick])
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.FileDownload(
            saved, filename="coprod-sim-session.json", label="Save session",
            mime_type="application/json",
        )  # fmt: skip
        # a link that restores the session; its button copies it (or copy the link by hand)
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f"<a class='session-link' href='?{session.LINK_PARAMETER}={token}' "
                "target='_blank'>Link to this session</a> <button class='copy-link' "
                "style='margin-left:8px;padding:2px 8px;border:1px solid #888;border-radius:4px'"
                ' onclick="navigator.clipboard &amp;&amp; navigator.clipboard.writeText('
                "this.previousElementSibling.href).then(() => this.innerText = 'Copied')\">"
                "Copy link</button>"
            ),
        )
        with solara.Column(classes=["open-session"], style={"max-width": "380px"}):
            solara.FileDrop(label="Open a session: drop its file here", on_file=opened, lazy=False)


@solara.component
def TopChart(name: str, data: dict, bands: dict, height: int = 380, csv: bool = True):
    """One large chart (values on hover, image download in its corner) and its data as CSV
    (written only when asked for; no button in presenter mode)."""
    # drawn again only when the data or the bands changed (``stamp``: one per preparation;
    # ``bands`` is kept by the parent's memo while unchanged, so its id is its identity)
    option = solara.use_memo(
        lambda: top_charts.option(name, data, bands), [data["stamp"], id(bands), name]
    )
    with solara.Column(classes=[f"top-{name}"], gap="0px"):
        solara.FigureEcharts(option=option, attributes={"style": f"height: {height}px;"})
        if csv:
            solara.FileDownload(
                lambda: top_charts.csv_bytes(data["frames"][name]),
                filename=f"{name}.csv", label=f"Data (CSV): {name}", mime_type="text/csv",
            )  # fmt: skip


@solara.component
def TopCharts(data: dict, bands: dict, names: tuple[str, ...], height: int, csv: bool = True):
    """The large charts, from ``top_charts.prepare``'s data (computed once per update)."""
    labels = list(data["metrics"])
    band_key = tuple((i, id(b)) for i, b in bands.items())
    by_label = solara.use_memo(
        lambda: {labels[i]: b for i, b in bands.items() if i < len(labels)},
        [data["stamp"], band_key],
    )
    with solara.ColumnsResponsive(12, medium=6):
        for name in names:
            TopChart(name, data, by_label, height, csv)


@solara.component
def InWords(data: dict, size: str = "1.4em"):
    """B minus A in words, for the room ("B: 198 fewer residents' needs unmet, ...")."""
    (a_label, a), *others = data["metrics"].items()
    for label, m in others:
        solara.HTML(
            tag="div",
            unsafe_innerHTML=escape(top_charts.in_words(a, m, label)),
            classes=[f"in-words-{label}"],
            style={"font-size": size, "font-weight": "bold"},
        )


@solara.component
def Charts(ctl: PairedFutures, tick: int, playing: bool = False):
    """The other charts (Matplotlib images): redrawn when paused, not while playing."""
    nb, set_nb = solara.use_state(0)
    frozen = solara.use_ref(tick)
    if not playing:
        frozen.current = tick

    def prepare():
        with ctl.lock:
            return charts.prepare(ctl, nb)

    data = solara.use_memo(prepare, [frozen.current, nb, len(ctl.panels)])
    total = ctl.weeks_total
    labels = [f"Panel {p.label}" for p in ctl.panels]
    branches = [p.branch_week for p in ctl.panels]

    def fig(name: str):
        d = data
        if name == "needs":
            return figures.lines(
                list(zip(labels, d["needs"], strict=True)),
                "Needs met each week by channel, and given up unmet (4-week average)", total,
                figures.FORMATTERS["count"], branches=branches,
            )  # fmt: skip
        if name == "trust":
            return figures.lines(
                list(zip(labels, d["trust"], strict=True)),
                "Trust and fear of commitment (mean, 0-1)", total, ylim=(0, 1),
                branches=branches,
            )  # fmt: skip
        if name == "cost_week":
            return figures.lines(
                list(zip(labels, d["cost_week"], strict=True)),
                "Cost per week by who pays", total, figures.FORMATTERS["gbp"], branches=branches,
            )  # fmt: skip
        if name == "cost_cum":
            return figures.lines(
                list(zip(labels, d["cost_cum"], strict=True)),
                "Cost so far by who pays (cumulative)", total, figures.FORMATTERS["gbp"],
                branches=branches,
            )  # fmt: skip
        if name == "load":
            return figures.bars(
                list(zip(labels, d["load"], strict=True)),
                "Who carries the load: share of volunteer hours given by the busiest helpers",
                "helpers", ("share of hours",), note="no help given yet",
            )  # fmt: skip
        if name == "barriers":
            return figures.bars(
                list(zip(labels, d["barriers"], strict=True)),
                "Why residents who gave no help last year stayed out", "reason", ("share",),
                horizontal=True,
            )  # fmt: skip
        if name == "network":
            return figures.network(
                list(zip(labels, d["network"], strict=True)),
                f"Neighbourhood {nb}: residents and their ties",
            )
        raise ValueError(name)

    def drawn(name: str) -> tuple[bytes, str]:
        try:
            return figures.png(fig(name)), ""
        except Exception as exc:  # noqa: BLE001 - a chart that fails says so, the page stays
            return b"", f"The chart '{name}' could not be drawn ({type(exc).__name__}: {exc})"

    # a chart is drawn again only when its data changed, in a background thread: the page
    # (week, difference strip, buttons) never waits for a chart
    keys = {name: (charts.digest(data[name]), nb, tuple(branches)) for name in charts.CHART_ORDER}
    cache = solara.use_memo(dict, [])  # name -> (key, png, problem), this session's
    images, set_images = solara.use_state({})

    def draw_changed(cancel: threading.Event) -> None:
        changed = False
        for name in charts.CHART_ORDER:
            if cancel.is_set():
                return
            if name not in cache or cache[name][0] != keys[name]:
                cache[name] = (keys[name], *drawn(name))
                changed = True
        if changed or len(images) != len(cache):
            set_images(dict(cache))

    solara.use_thread(draw_changed, dependencies=[tuple(keys.values())], intrusive_cancel=False)

    for name in charts.CHART_ORDER:
        if name == "network":
            solara.Select(
                label="Neighbourhood",
                value=str(nb),
                values=[str(i) for i in range(data["neighbourhoods"])],
                on_value=lambda v: set_nb(int(v)),
            )
        _, image, problem = images.get(name, (None, b"", ""))
        if problem:
            solara.Warning(problem)
        elif image:
            solara.Image(image, classes=[f"chart-{name}"])
        else:
            solara.Text("Drawing the chart...")


@solara.component
def DifferenceStrip(ctl: PairedFutures, tick: int, data: dict):
    def rows():
        with ctl.lock:
            a = ctl.panels[0].model
            ma = data["metrics"][ctl.panels[0].label]
            return [
                (
                    p.label,
                    charts.difference(ma, data["metrics"][p.label]),
                    charts.shared_weeks(a, p.model),
                    p.model.week,
                )
                for p in ctl.panels[1:]
            ]

    diffs = solara.use_memo(rows, [tick])
    for label, df, shared, week in diffs:
        if week == 0:
            history = "Nothing has run yet."
        elif shared == week:
            history = f"Panel {label} and panel A are identical in every week so far (1-{week})."
        elif shared == 0:
            history = f"Panel {label} differs from panel A from week 1."
        else:
            history = (
                f"Panel {label} and panel A share their history for weeks 1-{shared} "
                f"(identical); they differ from week {shared + 1}."
            )
        cells = "".join(
            f"<tr class='{'key-row' if i < charts.HEADLINE_ROWS else ''}' "
            f"data-metric='{escape(r['metric'])}'><td>{escape(r['outcome'])}</td>"
            f"<td>{escape(r['A'])}</td><td>{escape(r['B'])}</td>"
            f"<td>{escape(_mark(r['better']) + r['B minus A'])}</td></tr>"
            for i, (_, r) in enumerate(df.iterrows())
        )
        title = f"Difference strip: panel {label} minus panel A, at week {week}"
        table = (
            f"<h3>{title}</h3><table class='diff-table'><thead><tr><th>outcome so far</th>"
            f"<th>A</th><th>{label}</th><th>{label} minus A</th></tr></thead>"
            f"<tbody>{cells}</tbody></table><p class='history-{label}'>{escape(history)}</p>"
        )
        with solara.Column(classes=[f"diff-{label}"]):
            solara.HTML(tag="div", unsafe_innerHTML=table)  # one piece: heading and rows agree


def _mark(better: Any) -> str:
    return {True: "▲ better: ", False: "▼ worse: "}.get(better, "")


# Components that read the session's models take ``version`` (bumped on every change):
# Solara redraws a component only when its arguments change.


@solara.component
def Dashboard():
    """The facilitator's page (``/``); ``?session=...`` in the address opens that session."""
    search = solara.use_router().search or ""
    ctl = solara.use_memo(PairedFutures, [])  # this session's own models
    tick, set_tick = solara.use_state(0)
    playing = solara.use_reactive(False)
    until = solara.use_reactive(None)  # the week "play a year" stops at (None: the end)
    speed = solara.use_reactive(DEFAULT_SPEED)
    presenter = solara.use_reactive(False)
    more = solara.use_reactive(False)  # the "More charts" section shown
    message = solara.use_reactive("")
    bands, set_bands = solara.use_state({})
    job = solara.use_reactive(None)  # a build in the background: (action, status)
    progress = solara.use_reactive(("", 0.0))

    def refresh(msg: str | None = None) -> None:
        if msg is not None:
            message.set(msg)
        set_tick(ctl.version)

    def play_loop(cancel: threading.Event) -> None:
        if not playing.value:
            return
        try:
            for _ in play(ctl, SPEEDS[speed.value], until=until.value):
                # the week and the top charts, every few weeks
                set_tick(ctl.version)
                if cancel.is_set() or not playing.value:
                    break
        except Exception as exc:  # noqa: BLE001
            message.set(f"The run stopped ({type(exc).__name__}: {exc}).")
        playing.set(False)
        until.set(None)
        set_tick(ctl.version)

    solara.use_thread(play_loop, dependencies=[playing.value], intrusive_cancel=False)

    def build(action: Callable[[BuildStatus], None], what: str = "") -> None:
        """Run a slow change (a new town, an opened session) in the background."""
        playing.set(False)
        job.set((action, BuildStatus(what=what)))

    def run_job(cancel: threading.Event) -> None:
        if job.value is None:
            return
        action, status = job.value
        failed: list[str] = []

        def work() -> None:
            try:
                action(status)
            except ScenarioError as exc:
                failed.append(str(exc))
            except Exception as exc:  # noqa: BLE001 - the room must never see a traceback
                failed.append(f"Building the town failed ({type(exc).__name__}: {exc}).")

        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        while worker.is_alive():
            progress.set((status.describe(), status.fraction()))
            worker.join(0.3)
        set_bands({})
        progress.set(("", 0.0))
        job.set(None)
        refresh(failed[0] if failed else "")

    solara.use_thread(run_job, dependencies=[job.value], intrusive_cancel=False)
    busy = job.value is not None

    def open_link() -> None:
        """A session in the address (``?session=...``, from "Copy link") is opened once."""
        token = parse_qs(search).get(session.LINK_PARAMETER, [""])[0]
        if not token:
            return
        try:
            data = session.from_link(token)
            session.read(data)  # checked before anything changes
        except ScenarioError as exc:
            message.set(str(exc))
            return
        build(lambda status: ctl.take(session.restore(data, status)), "Opening the linked session")

    solara.use_effect(open_link, [])

    def step(weeks: int) -> Callable[[], None]:
        def act() -> None:
            with ctl.lock:
                ctl.step(weeks)

        return guarded(act, refresh)

    def reset() -> None:
        playing.set(False)
        with ctl.lock:
            ctl.reset()
        set_bands({})

    def play_year() -> None:
        until.set(year_end(ctl.week))
        playing.set(True)

    def prepare() -> dict:
        with ctl.lock:
            return top_charts.prepare(ctl)  # each panel's summary_metrics, once per update

    data = solara.use_memo(prepare, [tick, ctl.version, len(ctl.panels)])
    panels_version = solara.use_ref(ctl.version)

    solara.Title("coprod-sim: two futures of one town")
    solara.Style(TABLE_CSS)
    with solara.Column(style={"padding": "12px"}, gap="4px" if presenter.value else "12px"):
        if not presenter.value:
            # plain HTML, not Markdown: Solara's Markdown fetches a maths font from the internet
            solara.HTML(tag="h2", unsafe_innerHTML="Two futures of one town, side by side")
        if not presenter.value:
            Settings(ctl, refresh, build, ctl.version)
            SessionFile(ctl, refresh, build, tick)
        with solara.Column(classes=["build-progress"]):
            if busy:
                solara.ProgressLinear(progress.value[1] * 100 or True)
                solara.Text(progress.value[0] or "starting...", classes=["build-status"])
        c = ctl.choice
        n_res = ctl.panels[0].model.n_start  # at the start (a future may grow it)
        if not presenter.value:
            solara.Info(
                f"All panels are the same town ({c.town}, {fmt.count(n_res)} residents) with "
                f"the same seed ({c.seed}): every difference you see comes from the policies, "
                "not from chance (common random numbers)."
            )
        with solara.Column():  # the message's place is kept even when there is none
            if message.value:
                solara.Error(message.value, classes=["page-error"])
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Button(
                "Pause" if playing.value else "Play",
                on_click=lambda: playing.set(not playing.value),
                color="primary",
                disabled=busy or (ctl.finished and not playing.value),
                classes=["play"],
            )
            solara.Button(
                "Play a year", on_click=play_year, disabled=busy or playing.value or ctl.finished,
                classes=["play-year"],
            )  # fmt: skip
            solara.Select(
                label="Speed", value=speed.value, values=list(SPEEDS), on_value=speed.set,
                classes=["speed"], style={"max-width": "220px"},
            )  # fmt: skip
            if not presenter.value:
                solara.Button(
                    "Step a week", on_click=step(1), disabled=busy or playing.value,
                    classes=["step-week"],
                )  # fmt: skip
                solara.Button(
                    "Step a year", on_click=step(WEEKS_PER_YEAR), disabled=busy or playing.value,
                    classes=["step-year"],
                )  # fmt: skip
                solara.Button(
                    "Reset", on_click=guarded(reset, refresh), disabled=busy, classes=["reset"]
                )
            solara.Text(
                f"Week {ctl.week} of {ctl.weeks_total} ({fmt.weeks_label(ctl.week)})",
                classes=["week-status"],
                style={"font-size": "1.3em", "font-weight": "bold"},
            )
            solara.Switch(
                label="Presenter mode", value=presenter.value, on_value=presenter.set,
                classes=["presenter"], style={"margin-left": "24px"},
            )  # fmt: skip
        if ROOM is not None and not presenter.value:
            RoomPanel(ctl, ROOM, refresh, ctl.week, busy)
        if presenter.value:
            InWords(data, "1.35em")
            TopCharts(data, bands, PRESENTER_CHARTS, 245, csv=False)
            return
        InWords(data)
        TopCharts(data, bands, tuple(c.name for c in top_charts.TOP_CHARTS), 380)
        DifferenceStrip(ctl, tick, data)
        # the lever cards are redrawn when paused, not every week of a play (many widgets)
        if not playing.value:
            panels_version.current = ctl.version
        with solara.Columns([1] * len(ctl.panels)):
            for i in range(len(ctl.panels)):
                PanelCard(ctl, i, bands, set_bands, refresh, panels_version.current)
        # drawn only when asked for (Matplotlib images take the processor the model needs)
        solara.Switch(
            label="More charts: needs by channel, trust, costs, load, network",
            value=more.value, on_value=more.set, classes=["more-charts"],
        )  # fmt: skip
        if more.value:
            Charts(ctl, tick, playing.value)


# ------------------------------------------------------------------ the room votes
@solara.component
def Bare(children: list | None = None):
    """The pages' layout: the page alone (no app bar, no navigation between the pages)."""
    return solara.Column(children=children or [], style={"padding": "0"})


def _watch_room(the_room: room.Room, seen: Callable[[int], None], every: float = 1.0):
    """A thread body redrawing a component when the room changes (checked every second)."""

    def loop(cancel: threading.Event) -> None:
        last = -1
        while not cancel.is_set():
            if the_room.version != last:
                last = the_room.version
                seen(last)
            cancel.wait(every)

    return loop


@solara.component
def RoomPanel(ctl: PairedFutures, the_room: room.Room, on_change, week: int, busy: bool):
    """The facilitator's view of the vote: code, phones' address, tally, apply the winner."""
    version, set_version = solara.use_state(the_room.version)
    solara.use_thread(_watch_room(the_room, set_version), dependencies=[], intrusive_cancel=False)
    note = solara.use_reactive("")
    tally = the_room.tally()
    win = the_room.winner()

    def apply() -> None:
        chosen = the_room.winner()
        if chosen is None:
            return
        changes = room.apply_mix(ctl, 1, chosen.levers)
        at = ctl.week
        the_room.new_round(applied_at=at)
        done = ", ".join(changes) or "no change: panel B had that mix"
        note.set(f"Applied to panel B from week {at}: {chosen.describe()} ({done}).")
        on_change("")

    url = escape(room.phone_url())
    with solara.Card(title="The room votes on panel B's levers", classes=["room-panel"]):
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f"<div style='font-size:2em;font-weight:bold'>Room code: "
                f"<span class='room-code'>{escape(the_room.code)}</span></div>"
                f"<div style='font-size:1.2em'>Phones open <b class='room-url'>{url}</b> "
                f"and type the code; {the_room.participants} of {room.MAX_PARTICIPANTS} "
                f"joined; round {the_room.round}.</div>"
            ),
        )
        rows = "".join(
            f"<tr><td>{escape(p.describe())}</td><td style='text-align:right'>{p.votes}</td></tr>"
            for p in tally
        )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                "<table class='diff-table room-tally' style='font-size:1.3em'><thead><tr>"
                f"<th>mix proposed</th><th>votes</th></tr></thead><tbody>{rows}</tbody></table>"
                if tally
                else "<p class='room-tally'>No proposal yet.</p>"
            ),
        )
        with solara.Row(style={"align-items": "center"}):
            solara.Button(
                f"Apply the winner to panel B from week {week}"
                + (f": {win.describe()}" if win else ""),
                on_click=guarded(apply, on_change),
                disabled=win is None or busy,
                color="primary",
                classes=["apply-winner"],
            )
            solara.Button(
                "New round (clear the votes)",
                on_click=lambda: the_room.new_round(),
                classes=["new-round"],
            )
        solara.Text(note.value, classes=["room-applied"])


def _client_id() -> str:
    """The phone's id: its browser's Solara session (a reload is the same participant)."""
    try:
        return solara.get_session_id() or uuid.uuid4().hex
    except Exception:  # noqa: BLE001 - rendered outside a server (tests): a fresh id
        return uuid.uuid4().hex


@solara.component
def PhonePage():
    """A participant's phone (``/phone``): join with the room's code, propose a mix, vote."""
    the_room = ROOM
    search = solara.use_router().search or ""
    client = solara.use_memo(_client_id, [])
    code = solara.use_reactive(parse_qs(search).get("code", [""])[0])
    picked = solara.use_reactive(frozenset())
    error = solara.use_reactive("")
    version, set_version = solara.use_state(0)
    solara.use_thread(
        _watch_room(the_room, set_version) if the_room is not None else lambda: None,
        dependencies=[],
        intrusive_cancel=False,
    )
    solara.Title("coprod-sim: the room votes")
    solara.Style(PHONE_CSS)
    with solara.Column(style={"padding": "10px", "max-width": "560px", "font-size": "1.1em"}):
        solara.HTML(tag="h3", unsafe_innerHTML="Which levers should panel B try?")
        if the_room is None:
            solara.Warning(
                "No room is open: the facilitator starts the dashboard with --room.",
                classes=["phone-no-room"],
            )
            return

        def act(fn: Callable[[], None]) -> Callable[[], None]:
            def run() -> None:
                try:
                    fn()
                    error.set("")
                except room.RoomError as exc:
                    error.set(str(exc))
                set_version(the_room.version)

            return run

        with solara.Column():  # the message's place is kept even when there is none
            if error.value:
                solara.Error(error.value, classes=["phone-error"])
        if not the_room.joined(client):
            solara.InputText(
                "Room code (on the facilitator's screen)", value=code,
                continuous_update=True, classes=["phone-code"],
            )  # fmt: skip
            solara.Button(
                "Join", on_click=act(lambda: the_room.join(client, code.value)),
                color="primary", classes=["phone-join"],
            )  # fmt: skip
            return
        mine = the_room.my_vote(client)
        solara.Text(
            f"Round {the_room.round}. Your vote: "
            + (room.describe_mix(mine) if mine is not None else "none yet"),
            classes=["phone-my-vote"],
        )
        made = the_room.proposals()  # in the order made: a row never moves under a finger
        if made:
            solara.Text("Proposed so far (votes):")
        for i, p in enumerate(made):
            with solara.Row(style={"align-items": "center"}, classes=[f"proposal-{i}"]):
                solara.Button(
                    "Vote", on_click=act(lambda p=p: the_room.vote(client, list(p.levers))),
                    disabled=mine == p.levers, classes=["phone-vote"],
                )  # fmt: skip
                solara.Text(f"{p.describe()} ({p.votes})", classes=["proposal-text"])
        solara.Text("Or propose a mix of levers (your vote goes to it):")
        for c in CONTROLS:  # one short line each (``PHONE_CSS``)
            with solara.Column(gap="0px", classes=[f"phone-lever-{c.name}"]):
                solara.Checkbox(
                    label=c.title,
                    value=c.name in picked.value,
                    on_value=lambda on, n=c.name: picked.set(
                        picked.value | {n} if on else picked.value - {n}
                    ),
                )
        solara.Button(
            "Propose this mix", on_click=act(lambda: the_room.vote(client, list(picked.value))),
            color="primary", classes=["phone-propose"],
        )  # fmt: skip


#: the facilitator's page at /, the phones' page at /phone (``coprod-sim dashboard --room``)
routes = [
    solara.Route(path="/", component=Dashboard, label="Dashboard", layout=Bare),
    solara.Route(path="phone", component=PhonePage, label="Phone"),
]
