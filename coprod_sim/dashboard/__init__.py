"""The workshop dashboard: two or three futures of one town side by side, in the browser.

``coprod-sim dashboard`` serves ``app.py`` (layout and wiring only) with Solara, offline. The
logic lives in small modules a test can drive without a browser: ``controller`` (paired futures
on one town and seed, branching), ``ensemble`` (replications in worker processes), ``charts``
(the data behind each chart), ``controls`` (lever controls read from the levers' declarations),
and ``formatting`` (numbers for people). What Mesa's SolaraViz passes on Reset is unpacked by
``coprod_sim.scenario.merge_mesa_scenario``, below the model.
"""
