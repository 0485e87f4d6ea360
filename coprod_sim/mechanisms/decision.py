"""Mechanism 3, the decision to help: whether one asked (or aware) resident takes on one task.

A resident helps with probability

    P = gate * logistic(intercept + sum of terms)

where ``gate`` is 1 only if the resident stated willingness for the task's activity, has at
least ``min_free_hours`` spare, is not recovering from burnout, and (for tasks that need it)
holds a vetting check. Stated willingness is therefore an upper bound: no one ever helps with
an activity they did not say they would do. The terms (each documented in docs/ODD.md):

    time        + w_time * log(spare hours / task hours), capped at +1
    trust       + w_trust * (0.5 * trust in the person + 0.5 * trust in the place - 0.5)
    confidence  + w_conf * (confidence - 0.5)
    commitment  - w_commit * fear of commitment * task growth / 0.02   (0.02 = a typical growth)
    liability   - w_liab * fear of liability * task risk * (not insured)
    asked       + w_asked if asked personally
    unaware     - w_unaware if neither asked nor aware of the opportunity
    reward      + w_reward * expected reward (0-1)
    example     + w_example * share of one's ties who helped recently
    fatigue     - w_fatigue * fatigue

The rule is a plain function: pass another with the same signature as ``decision_rule=`` to
``CoproductionModel`` to change it without subclassing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from coprod_sim.parameters import Scenario

TYPICAL_GROWTH = 0.02  # growth per week that counts as "1" in the commitment term


@dataclass
class HelpInputs:
    """One row per (resident, task) pair being considered this week."""

    eligible: np.ndarray  # bool: willing, free, available, vetted if needed
    spare_hours: np.ndarray
    task_hours: np.ndarray
    trust_person: np.ndarray
    trust_place: np.ndarray
    confidence: np.ndarray
    fear_commit: np.ndarray
    growth: np.ndarray
    fear_liab: np.ndarray
    risk: np.ndarray
    insured: np.ndarray
    asked: np.ndarray
    aware: np.ndarray
    reward: np.ndarray
    example: np.ndarray
    fatigue: np.ndarray


@dataclass(frozen=True)
class HelpWeights:
    intercept: float
    time: float
    trust: float
    confidence: float
    commitment: float
    liability: float
    asked: float
    unaware: float
    reward: float
    example: float
    fatigue: float

    @classmethod
    def from_scenario(cls, p: Scenario) -> HelpWeights:
        return cls(
            intercept=p.help_intercept,
            time=p.weight_time,
            trust=p.weight_trust,
            confidence=p.weight_confidence,
            commitment=p.weight_commitment_fear,
            liability=p.weight_liability_fear,
            asked=p.weight_asked,
            unaware=p.weight_unaware,
            reward=p.weight_reward,
            example=p.weight_example,
            fatigue=p.weight_fatigue,
        )


class DecisionRule(Protocol):
    def __call__(self, x: HelpInputs, w: HelpWeights) -> np.ndarray: ...


def help_terms(x: HelpInputs, w: HelpWeights) -> dict[str, np.ndarray]:
    """Each factor's contribution to the log-odds of helping (negative ones are barriers)."""
    ratio = np.maximum(x.spare_hours, 1e-3) / np.maximum(x.task_hours, 1e-3)
    return {
        "time": w.time * np.minimum(np.log(ratio), 1.0),
        "trust": w.trust * (0.5 * x.trust_person + 0.5 * x.trust_place - 0.5),
        "confidence": w.confidence * (x.confidence - 0.5),
        "commitment": -w.commitment * x.fear_commit * x.growth / TYPICAL_GROWTH,
        "liability": -w.liability * x.fear_liab * x.risk * ~x.insured,
        "asked": w.asked * x.asked,
        "unaware": -w.unaware * (~x.asked & ~x.aware),
        "reward": w.reward * x.reward,
        "example": w.example * x.example,
        "fatigue": -w.fatigue * x.fatigue,
    }


def help_probability(x: HelpInputs, w: HelpWeights) -> np.ndarray:
    """The default decision rule: probability each pair results in help this week.

    It is ``logistic(intercept + sum of help_terms)`` (tests check it term by term), summed in
    place in float32 with the constant parts of the terms folded into the intercept: about
    half the array operations of adding up ``help_terms``, which matters because the rule
    runs on every asked pair every week."""
    f32 = np.float32
    z = np.maximum(x.spare_hours, f32(1e-3), dtype=f32)
    z /= np.maximum(x.task_hours, f32(1e-3), dtype=f32)
    np.log(z, out=z)
    np.minimum(z, f32(1.0), out=z)
    z *= f32(w.time)
    z += f32(0.5 * w.trust) * (x.trust_person + x.trust_place)
    z += f32(w.confidence) * x.confidence
    z -= f32(w.commitment / TYPICAL_GROWTH) * x.fear_commit * x.growth
    liab = f32(w.liability) * x.fear_liab * x.risk
    liab[x.insured] = 0.0
    z -= liab
    z += np.where(x.asked, f32(w.asked), np.where(x.aware, f32(0.0), f32(-w.unaware)))
    z += f32(w.reward) * x.reward
    z += f32(w.example) * x.example
    z -= f32(w.fatigue) * x.fatigue
    z += f32(w.intercept - 0.5 * w.trust - 0.5 * w.confidence)
    # logistic, and 0 for pairs that fail a hard gate
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += f32(1.0)
    np.reciprocal(z, out=z)
    z[~x.eligible] = 0.0
    return z
