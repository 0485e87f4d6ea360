"""The public services the model has, named once: every per-service array (staff, capacity,
needs' kinds) and every data file that names a service (need kinds, futures) uses this order."""

from __future__ import annotations

SERVICES: tuple[str, ...] = ("social_care", "public_safety", "early_years")
