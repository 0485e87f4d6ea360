"""Mesa agents as views of array rows: residents, professionals, services.

The state every week touches lives in arrays owned by the model (``model.pop``,
``model.staff``, ...). An agent only holds its row index; its attributes are properties that
read and write that row, so per-agent code (a notebook, a dashboard, ``model.agents.agg``) and
the whole-array weekly step see the same values. Never loop over agents in the weekly step.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from coprod_sim.mechanisms.needs import SERVICES
from coprod_sim.mechanisms.services import MODES
from coprod_sim.state.willingness import ACTIVITY_NAMES


class Column:
    """Property reading/writing ``getattr(model, table).<name>[self.idx]``."""

    def __init__(self, table: str, name: str | None = None) -> None:
        self.table, self.name = table, name

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = self.name or name

    def __get__(self, agent: Any, owner: type | None = None) -> Any:
        if agent is None:
            return self
        value = getattr(getattr(agent.model, self.table), self.name)[agent.idx]
        return value.item() if isinstance(value, np.generic) else value

    def __set__(self, agent: Any, value: Any) -> None:
        getattr(getattr(agent.model, self.table), self.name)[agent.idx] = value


class Resident(mesa.Agent):
    """A resident: one row of ``model.pop``. When the resident dies or moves away a newcomer
    takes the row (``mechanisms.turnover``) and this agent, with its ``unique_id``, reads the
    newcomer's row: an agent is a home; ``moved_in_week`` tells its occupants apart."""

    # friendlier names for some columns (read and write); every other declared column, a
    # lever's added ones included, reads by its own name (``__getattr__``)
    trust_neighbours = Column("pop", "trust_nbr")
    trust_services = Column("pop", "trust_svc")
    fear_of_commitment = Column("pop", "fear_commit")
    fear_of_liability = Column("pop", "fear_liab")
    fear_of_retaliation = Column("pop", "fear_retal")
    committed_hours = Column("pop", "committed")

    def __init__(self, model: mesa.Model, idx: int) -> None:
        super().__init__(model)
        self.idx = idx

    def _pop_with(self, name: str) -> Any:
        """The population when ``name`` is one of its columns (declared, or a lever's)."""
        pop = getattr(self.__dict__.get("model"), "pop", None)
        if pop is not None and (name in pop.columns or name in pop.extra):
            return pop
        return None

    def __getattr__(self, name: str) -> Any:
        """A declared resident column (``model.pop.columns``) or a lever's column, by name."""
        pop = self._pop_with(name)
        if pop is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        value = getattr(pop, name)[self.idx]
        return value.item() if isinstance(value, np.generic) else value

    #: the agent's own attributes (Mesa's and the row's index), never resident columns: set
    #: without looking for a column (five per resident at construction, ~0.3 s at 100,000)
    OWN: frozenset[str] = frozenset({"model", "unique_id", "pos", "idx"})

    def __setattr__(self, name: str, value: Any) -> None:
        """Writing a column writes the row (the weekly step sees it), never a stray copy."""
        if name in Resident.OWN:
            super().__setattr__(name, value)
            return
        pop = self._pop_with(name)
        if pop is None:
            super().__setattr__(name, value)
        else:
            getattr(pop, name)[self.idx] = value

    @property
    def ties(self) -> np.ndarray:
        g = self.model.graph
        return g.indices[g.indptr[self.idx] : g.indptr[self.idx + 1]]

    @property
    def willing_for(self) -> list[str]:
        return [a for i, a in enumerate(ACTIVITY_NAMES) if (int(self.willing) >> i) & 1]

    @property
    def own_needs(self) -> list[str]:
        n = self.model.needs
        return [self.model.kinds.names[k] for k in n.kind[n.owner == self.idx]]


class Professional(mesa.Agent):
    """A frontline professional: one row of ``model.staff``."""

    service_index = Column("staff", "service")
    capacity = Column("staff")
    attitude = Column("staff")
    nbhd = Column("staff")

    def __init__(self, model: mesa.Model, idx: int) -> None:
        super().__init__(model)
        self.idx = idx

    @property
    def service(self) -> str:
        return SERVICES[int(self.service_index)]


class Service(mesa.Agent):
    """A public service (social care, public safety, early years)."""

    def __init__(self, model: mesa.Model, idx: int, name: str) -> None:
        super().__init__(model)
        self.idx = idx
        self.name = name

    @property
    def capacity(self) -> float:
        return float(self.model.service_capacity[self.idx])

    @property
    def mode(self) -> str:
        return MODES[int(self.model.service_mode[self.idx])]

    @property
    def queue_length(self) -> int:
        n, k = self.model.needs, self.model.kinds
        return int(((k.service[n.kind] == self.idx) & n.open).sum())

    @property
    def staff(self) -> int:
        return int((self.model.staff.service == self.idx).sum())

    @property
    def budget(self) -> float:
        """Weekly staff budget in GBP: capacity hours times the hourly cost."""
        return self.capacity * self.model.params.professional_hour_cost
