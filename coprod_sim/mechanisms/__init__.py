"""The model's mechanisms: one module per ODD submodel, each holding its parameters, state, set-up
and weekly phase.

A phase takes the running model (a ``coprod_sim.model.CoproductionModel``) and names it in its
type hints as Mesa's ``Model``: the model sits above the mechanisms, and no import, type hints
included, points up (the layers contract in pyproject.toml).
"""
