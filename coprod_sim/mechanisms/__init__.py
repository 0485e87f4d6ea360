"""The model's mechanisms: one module per ODD submodel, each holding its parameters, state, set-up
and weekly phase.
"""
