"""What a run records as it goes: the weekly figures (``reporters``, Mesa's model reporters)
and a yearly record of each resident (``agent_records``, Mesa's agent reporters).

These are the schedule's "outputs" phases, so they sit with the model, below the analysis and
the files (``coprod_sim.io`` writes them into a run folder)."""
