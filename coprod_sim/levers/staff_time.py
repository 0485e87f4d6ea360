"""A lever's use of the services' staff time, counted once (``costs.STAFF_TIME``).

A lever whose ``staff_time`` is ``capacity`` has its hours taken from the services' capacity at
the next ``before_channels``; one whose ``staff_time`` is ``bought`` pays for them at
``professional_hour_cost``. Each lever keeps its book in ``model.lever_state``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from coprod_sim.levers import lever_name
from coprod_sim.mechanisms.costs import staff_time_of

if TYPE_CHECKING:
    from mesa import Model

#: where the staff-time books of a model's levers are kept (``model.lever_state``)
_BOOKS = "_staff_time"


@dataclass
class StaffTimeBook:
    """One lever's staff time in one model: hours waiting to come out of capacity, hours
    taken over the run (``capacity``), hours bought this week (``bought``)."""

    mode: str
    pending: np.ndarray  # by service, taken at the next before_channels
    taken_total: float = 0.0
    bought_week: float = 0.0  # hours bought in week ``bought_in``
    bought_in: int = -1


class TakeStaffTime:
    """Takes one lever's booked staff hours out of the services' capacity at every
    ``before_channels`` (registered with the model for a ``capacity`` lever; it runs after the
    lever ends too, so hours booked in its last week still come out)."""

    point = "before_channels"

    def __init__(self, name: str, book: StaffTimeBook) -> None:
        self.book = book
        self.__name__ = f"{name}.take_staff_time"

    def __call__(self, model: Model) -> None:
        book = self.book
        taken = np.minimum(book.pending, np.maximum(model.service_capacity, 0.0))
        model.service_capacity = model.service_capacity - taken
        book.taken_total += float(taken.sum())
        book.pending = np.zeros_like(book.pending)


def _book(model: Model, lever: object) -> StaffTimeBook:
    books = model.lever_state.setdefault(_BOOKS, {})
    name = lever_name(lever)
    if name not in books:
        books[name] = StaffTimeBook(staff_time_of(lever), np.zeros(len(model.service_capacity)))
        if books[name].mode == "capacity":
            model.add_lever(TakeStaffTime(name, books[name]))
    return books[name]


def setup_staff_time(model: Model, lever: object) -> None:
    """Open ``lever``'s staff-time book in ``model`` (call from the lever's ``setup``, so a
    ``capacity`` lever's hours are taken at every ``before_channels``)."""
    _book(model, lever)


def book_staff_time(model: Model, lever: object, hours: np.ndarray) -> None:
    """``lever`` used ``hours`` (by service) of the services' staff this week: taken from
    capacity at the next ``before_channels`` or bought, as the lever declares."""
    book = _book(model, lever)
    hours = np.asarray(hours, np.float64)
    if book.mode == "capacity":
        book.pending = book.pending + hours
    elif book.mode == "bought":
        if book.bought_in != model.week:
            book.bought_week, book.bought_in = 0.0, model.week
        book.bought_week += float(hours.sum())
    elif hours.any():
        raise ValueError(f"lever {lever!r} declares staff_time 'none' but booked staff hours")


def staff_time_cost(model: Model, lever: object) -> float:
    """GBP ``lever`` pays this week for staff time: the hours it bought (``bought``) at
    ``professional_hour_cost``; 0 for hours taken from capacity (salaried already)."""
    book = model.lever_state.get(_BOOKS, {}).get(lever_name(lever))
    if book is None or book.mode != "bought" or book.bought_in != model.week:
        return 0.0
    return book.bought_week * model.params.professional_hour_cost


def lever_staff_hours(model: Model) -> float:
    """Professional hours levers took from the services' capacity over the run (paid as
    staff pay, spent on the levers' tasks: neither given to needs nor idle)."""
    return float(sum(b.taken_total for b in model.lever_state.get(_BOOKS, {}).values()))
