"""The scenario: every model parameter declared once, with unit, default, range, role and source.

The ODD parameter table (docs/ODD.md) is rendered from these declarations by
``coprod_sim.io.odd``; nothing here is written twice. Roles follow EMA Workbench's split:
``world`` parameters are uncertainties about the town and its people, ``policy`` parameters are
levers a council can pull, ``run`` parameters set up the experiment.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Role = Literal["world", "policy", "run"]


def param(
    default: Any,
    *,
    unit: str,
    role: Role,
    source: str,
    doc: str,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
) -> Any:
    """Declare one parameter: pydantic enforces the range, the extras feed the ODD table."""
    return Field(
        default,
        ge=ge,
        le=le,
        gt=gt,
        lt=lt,
        description=doc,
        json_schema_extra={"unit": unit, "role": role, "source": source},
    )


ASSUME = "assumption"


class Strict(BaseModel):
    """Base for every declared parameter set: unknown names, NaN and wrong types are refused."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        allow_inf_nan=False,
        validate_assignment=True,
        frozen=False,
    )


class Scenario(Strict):
    """All world, policy and run parameters of one model run (levers are added in ``policies``)."""

    # ---- run -------------------------------------------------------------------------------
    town: str = param(
        "demo",
        unit="-",
        role="run",
        source="town presets (coprod_sim.state.towns)",
        doc="Town preset that sets the size and neighbourhood structure.",
    )
    scale: float = param(
        1.0,
        unit="x",
        role="run",
        gt=0.0,
        le=100.0,
        source=ASSUME,
        doc="Multiplies the preset's residents (and staff); 1 = the preset as documented.",
    )
    n_residents: int = param(
        0,
        unit="residents",
        role="run",
        ge=0,
        le=5_000_000,
        source="town preset when 0",
        doc="Adult residents; 0 takes the town preset times scale.",
    )
    n_neighbourhoods: int = param(
        0,
        unit="neighbourhoods",
        role="run",
        ge=0,
        le=2_000,
        source="town preset when 0",
        doc="Neighbourhoods; 0 takes the town preset.",
    )

    # ---- residents: time, ages -------------------------------------------------------------
    share_young: float = param(
        0.2,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source="ONS mid-year estimates, England: 18-29 about 20% of adults (rounded)",
        doc="Share of adults aged 18-29.",
    )
    share_retired: float = param(
        0.24,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source="ONS mid-year estimates, England: 65+ about 24% of adults (rounded)",
        doc="Share of adults retired (65+).",
    )
    employment_rate: float = param(
        0.75,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source="ONS labour market statistics, working-age employment rate about 75%",
        doc="Share of non-retired adults in paid work.",
    )
    carer_rate: float = param(
        0.12,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source="Census 2011: about 12% of adults give unpaid care",
        doc="Share of adults with unpaid caring duties.",
    )
    free_hours_mean: float = param(
        4.0,
        unit="hours/week",
        role="world",
        ge=0,
        le=60,
        source=ASSUME + " ('lack of time' is the overwhelming barrier, Capable Communities 2010)",
        doc="Mean discretionary hours a week of a resident with neither work nor caring duties "
        "(before age effects).",
    )
    work_hours_cost: float = param(
        0.55,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Share of free hours eaten by paid work.",
    )
    caring_hours_cost: float = param(
        0.5,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Share of free hours eaten by unpaid caring duties.",
    )

    # ---- residents: dispositions -----------------------------------------------------------
    trust_neighbour_base: float = param(
        0.6,
        unit="0-1",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Mean trust in neighbours in an undeprived, homogeneous neighbourhood.",
    )
    diversity_trust_effect: float = param(
        0.25,
        unit="trust per unit diversity",
        role="world",
        ge=0,
        le=1,
        source="Young Foundation 2009 citing Putnam ('hunkering down'); size is an assumption",
        doc="How much neighbourhood diversity lowers neighbour trust.",
    )
    deprivation_trust_effect: float = param(
        0.2,
        unit="trust per unit deprivation",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="How much neighbourhood deprivation lowers neighbour trust (weak local networks).",
    )
    trust_service_base: float = param(
        0.55,
        unit="0-1",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Mean trust in public services at the start.",
    )
    fear_commitment_mean: float = param(
        0.45,
        unit="0-1",
        role="world",
        ge=0,
        le=1,
        source="Capable Communities 2010 focus groups (fear of being 'sucked in'); level assumed",
        doc="Mean fear of commitment at the start.",
    )
    fear_liability_mean: float = param(
        0.35,
        unit="0-1",
        role="world",
        ge=0,
        le=1,
        source="Capable Communities 2010 (liability worries stop gardening); level assumed",
        doc="Mean fear of liability at the start.",
    )
    fear_retaliation_mean: float = param(
        0.5,
        unit="0-1",
        role="world",
        ge=0,
        le=1,
        source="Capable Communities 2010 (public safety focus groups); level assumed",
        doc="Mean fear of retaliation at the start.",
    )
    confidence_mean: float = param(
        0.5,
        unit="0-1",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Mean confidence and skills at the start.",
    )
    awareness_rate: float = param(
        0.3,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (most people 'had never been asked', Capable Communities 2010)",
        doc="Share of residents aware of local volunteering opportunities at the start.",
    )
    past_volunteer_rate: float = param(
        0.3,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source="calibrated: 37% never volunteered by the end of a 5-year run (vol_never)",
        doc="Share of residents who have volunteered at some time before the run starts.",
    )
    willingness_scale: float = param(
        1.0,
        unit="x",
        role="world",
        ge=0,
        le=2.5,
        source="survey_targets willingness rows (1 = the reported shares)",
        doc="Multiplies every stated-willingness share (capped at 1).",
    )

    # ---- social graph ----------------------------------------------------------------------
    ties_local: float = param(
        8.0,
        unit="ties/resident",
        role="world",
        ge=0,
        le=60,
        source=ASSUME,
        doc="Mean ties to residents of the same neighbourhood.",
    )
    ties_bridge: float = param(
        0.6,
        unit="ties/resident",
        role="world",
        ge=0,
        le=20,
        source=ASSUME,
        doc="Mean ties to residents of other neighbourhoods (bridges).",
    )
    tie_clustering: float = param(
        0.6,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Share of local ties made to nearby residents (street-level clusters) "
        "rather than anywhere in the neighbourhood.",
    )

    # ---- needs -----------------------------------------------------------------------------
    need_rate_scale: float = param(
        1.0,
        unit="x",
        role="world",
        ge=0,
        le=10,
        source=ASSUME,
        doc="Multiplies every kind of need's arrival rate.",
    )
    deprivation_need_effect: float = param(
        1.0,
        unit="x per unit deprivation",
        role="world",
        ge=0,
        le=5,
        source=ASSUME,
        doc="Extra need arrival in deprived neighbourhoods: rate x (1 + effect x deprivation).",
    )
    crisis_hours_multiplier: float = param(
        4.0,
        unit="x",
        role="world",
        ge=1,
        le=50,
        source=ASSUME + " (the case for prevention, Birmingham Policy Commission 2011)",
        doc="Professional hours a crisis takes relative to the need it grew from.",
    )

    # ---- decision to help ------------------------------------------------------------------
    help_intercept: float = param(
        -0.6,
        unit="logit",
        role="world",
        ge=-10,
        le=10,
        source="calibrated to survey_targets",
        doc="Baseline log-odds that a willing, asked resident with average dispositions helps.",
    )
    weight_time: float = param(
        1.2,
        unit="logit per log(hours ratio)",
        role="world",
        ge=0,
        le=10,
        source=ASSUME,
        doc="Effect of free hours relative to the task's hours.",
    )
    weight_trust: float = param(
        2.0,
        unit="logit per unit trust",
        role="world",
        ge=0,
        le=10,
        source=ASSUME,
        doc="Effect of trust in the person (tie) and the place.",
    )
    weight_confidence: float = param(
        1.5,
        unit="logit per unit confidence",
        role="world",
        ge=0,
        le=10,
        source=ASSUME,
        doc="Effect of confidence and skills.",
    )
    weight_commitment_fear: float = param(
        3.0,
        unit="logit per unit fear x growth",
        role="world",
        ge=0,
        le=20,
        source=ASSUME,
        doc="Effect of fear of commitment, weighted by the task's tendency to grow.",
    )
    weight_liability_fear: float = param(
        3.0,
        unit="logit per unit fear x risk",
        role="world",
        ge=0,
        le=20,
        source=ASSUME,
        doc="Effect of fear of liability, weighted by the task's risk (0 when insured).",
    )
    weight_asked: float = param(
        2.0,
        unit="logit",
        role="world",
        ge=0,
        le=10,
        source="Capable Communities 2010 (most 'had never been asked'); size assumed",
        doc="Boost from being asked personally.",
    )
    weight_unaware: float = param(
        1.5,
        unit="logit",
        role="world",
        ge=0,
        le=10,
        source=ASSUME,
        doc="Penalty for an open call the resident is unaware of (not asked, not aware).",
    )
    weight_reward: float = param(
        0.8,
        unit="logit per unit reward",
        role="world",
        ge=0,
        le=10,
        source="Young Foundation 2009 (recognition, time credits); size assumed",
        doc="Effect of rewards and recognition (credits, thanks).",
    )
    weight_example: float = param(
        1.5,
        unit="logit per share of ties helping",
        role="world",
        ge=0,
        le=10,
        source=ASSUME,
        doc="Effect of the share of one's ties who helped recently (example of neighbours).",
    )
    weight_fatigue: float = param(
        2.0,
        unit="logit per unit fatigue",
        role="world",
        ge=0,
        le=10,
        source=ASSUME,
        doc="Penalty for current fatigue.",
    )
    min_free_hours: float = param(
        1.0,
        unit="hours/week",
        role="world",
        ge=0,
        le=10,
        source=ASSUME,
        doc="Below this many spare hours a resident cannot take on any task (the time barrier).",
    )
    asks_per_need: int = param(
        3,
        unit="residents/need/week",
        role="world",
        ge=1,
        le=20,
        source=ASSUME,
        doc="How many ties an owner (or a service's open call) asks each week for one need.",
    )
    share_asks_two_hop: float = param(
        0.25,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Share of an owner's asks passed on by a tie to one of their own ties (a stranger "
        "to the owner).",
    )
    vetted_share: float = param(
        0.08,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (residents already holding a check through work)",
        doc="Share of residents holding a valid vetting (DBS) check at the start.",
    )
    vetting_weeks: int = param(
        8,
        unit="weeks",
        role="world",
        ge=0,
        le=52,
        source="Capable Communities 2010 and Young Foundation 2009 (checks take weeks); "
        "length assumed",
        doc="Weeks a vetting check takes.",
    )
    vetting_give_up: float = param(
        0.06,
        unit="1/week",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (would-be volunteers give up while waiting, Capable Communities 2010)",
        doc="Weekly chance a resident waiting for a check gives up.",
    )

    # ---- commitment and burnout -------------------------------------------------------------
    tolerance_share: float = param(
        1.2,
        unit="share of free hours",
        role="world",
        ge=0,
        le=2,
        source=ASSUME,
        doc="Committed hours a resident tolerates, as a share of free hours, at zero fear of "
        "commitment (tolerance falls with fear).",
    )
    fatigue_rate: float = param(
        0.1,
        unit="fatigue/week per unit overload",
        role="world",
        ge=0,
        le=5,
        source=ASSUME,
        doc="Weekly rise of fatigue per unit of committed hours over tolerance (relative).",
    )
    fatigue_recovery: float = param(
        0.08,
        unit="fatigue/week",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Weekly fall of fatigue when within tolerance.",
    )
    burnout_recovery_weeks: int = param(
        26,
        unit="weeks",
        role="world",
        ge=0,
        le=520,
        source=ASSUME,
        doc="Weeks a burnt-out volunteer takes no new tasks.",
    )
    burnout_fear_self: float = param(
        0.2,
        unit="fear",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Rise in a burnt-out volunteer's own fear of commitment.",
    )
    burnout_fear_contagion: float = param(
        0.05,
        unit="fear per burnout seen",
        role="world",
        ge=0,
        le=1,
        source="Capable Communities 2010 ('volunteers will collapse'); size assumed",
        doc="Rise in fear of commitment of each tie of a volunteer who burns out.",
    )
    fear_relaxation: float = param(
        0.01,
        unit="share/week",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Weekly pull of fear of commitment back towards the resident's baseline.",
    )
    dropout_hazard: float = param(
        0.005,
        unit="1/week",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Weekly chance a helper ends an ongoing commitment for reasons outside the model.",
    )

    # ---- trust dynamics --------------------------------------------------------------------
    trust_gain: float = param(
        0.05,
        unit="trust/event",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Rise in trust (tie, neighbour) after a good experience of help.",
    )
    trust_loss: float = param(
        0.15,
        unit="trust/event",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (bad experiences weigh more than good ones)",
        doc="Fall in trust after being let down (helper drops out, burns out).",
    )
    service_trust_gain: float = param(
        0.03,
        unit="trust/event",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Rise in trust in services when a service meets one's need.",
    )
    service_trust_loss: float = param(
        0.05,
        unit="trust/event",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " ('a service that never answers', Capable Communities 2010)",
        doc="Fall in trust in services per week one's need waits past the service standard.",
    )
    trust_relaxation: float = param(
        0.005,
        unit="share/week",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Weekly pull of neighbour trust back towards the neighbourhood's baseline.",
    )
    stranger_distrust_old: float = param(
        0.35,
        unit="acceptance",
        role="world",
        ge=0,
        le=1,
        source="Capable Communities 2010 focus groups ('what's he after?'); size assumed",
        doc="Fall in the chance that a retired resident accepts help from a stranger "
        "(someone not among their ties).",
    )

    # ---- professionals and services --------------------------------------------------------
    staff_per_1000: float = param(
        6.0,
        unit="frontline staff per 1000 adults",
        role="world",
        ge=0,
        le=100,
        source=ASSUME,
        doc="Frontline professionals across the three services per 1000 adults.",
    )
    staff_hours: float = param(
        22.0,
        unit="hours/week",
        role="world",
        ge=0,
        le=60,
        source=ASSUME + " (37-hour week, about 60% in direct contact)",
        doc="Direct-contact hours a frontline professional gives each week.",
    )
    professional_hour_cost: float = param(
        35.0,
        unit="GBP/hour",
        role="world",
        ge=0,
        le=500,
        source="PSSRU Unit Costs of Health and Social Care (order of magnitude); assumption",
        doc="Full cost of one professional hour.",
    )
    staff_share_social_care: float = param(
        0.45,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Share of frontline staff in social care.",
    )
    staff_share_public_safety: float = param(
        0.30,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Share of frontline staff in public safety (the rest are early years).",
    )
    attitude_mean: float = param(
        0.4,
        unit="0-1 (sceptical-enabling)",
        role="world",
        ge=0,
        le=1,
        source="Capable Communities 2010 ('professional territory'); level assumed",
        doc="Mean professional attitude to co-production at the start.",
    )
    service_standard_weeks: int = param(
        4,
        unit="weeks",
        role="world",
        ge=1,
        le=104,
        source=ASSUME,
        doc="A need should be met within this many weeks (the service standard).",
    )

    @field_validator("town")
    @classmethod
    def _known_town(cls, v: str) -> str:
        from coprod_sim.state.towns import TOWNS

        if v not in TOWNS:
            raise ValueError(f"unknown town {v!r}; valid towns are: {', '.join(TOWNS)}")
        return v

    @model_validator(mode="after")
    def _staff_shares(self) -> Scenario:
        total = self.staff_share_social_care + self.staff_share_public_safety
        if total > 1.0:
            raise ValueError(
                f"staff_share_social_care + staff_share_public_safety = {total:g} exceeds 1"
            )
        if self.share_young + self.share_retired > 1.0:
            raise ValueError(
                f"share_young + share_retired = {self.share_young + self.share_retired:g} exceeds 1"
            )
        return self

    # ---- professional gatekeeping (mechanism 6) ----
    attitude_experience_gain: float = param(
        0.02,
        unit="share of gap per referral taken up",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (good experiences of co-delivery, Capable Communities 2010)",
        doc="Rise of a professional's attitude towards 1 each time a need they referred is "
        "taken up by a volunteer (0 switches good experiences off).",
    )
    attitude_experience_loss: float = param(
        0.05,
        unit="share of level per let-down",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (fear of falling standards, Capable Communities 2010)",
        doc="Fall of a professional's attitude each time a volunteer lets down a need they "
        "referred (drop-out or burnout; 0 switches bad experiences off).",
    )
    attitude_relaxation: float = param(
        0.01,
        unit="share/week",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " ('professional territory': habits pull attitudes back)",
        doc="Weekly pull of each professional's attitude back towards their baseline (which "
        "only culture change and training move; 0 = no pull).",
    )
    referral_rate: float = param(
        0.3,
        unit="1/week per open need",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Weekly chance a fully enabling professional refers an open need on their patch to "
        "volunteers they know (0 switches the referral channel off).",
    )
    referral_attitude_min: float = param(
        0.45,
        unit="0-1",
        role="world",
        ge=0,
        le=0.99,
        source=ASSUME + " (sceptical professionals do not refer, Capable Communities 2010)",
        doc="Attitude below which a professional never refers, asks or accepts co-delivery; "
        "above it engagement rises linearly to 1 at attitude 1.",
    )
    referral_info_sharing: float = param(
        0.5,
        unit="share of cases",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (information sharing between agencies, Capable Communities 2010)",
        doc="Share of cases whose details agencies may pass on to a volunteer; culture change "
        "raises it.",
    )
    referral_memory_weeks: int = param(
        26,
        unit="weeks",
        role="world",
        ge=1,
        le=520,
        source=ASSUME,
        doc="A resident of the patch who helped within this many weeks is a volunteer the "
        "professional knows.",
    )
    referral_candidates: int = param(
        2,
        unit="volunteers/referral",
        role="world",
        ge=1,
        le=20,
        source=ASSUME,
        doc="Known volunteers a professional asks for each need referred.",
    )

    # ---- collective action in public safety (mechanism 8) ----
    incident_rate: float = param(
        1.0,
        unit="incidents per 1000 residents/week",
        role="world",
        ge=0,
        le=100,
        source="ONS Crime in England and Wales: police record about 1-2 million anti-social "
        "behaviour incidents a year (about 0.5 per 1000 residents a week); witnessed incidents "
        "are more, so 1.0 is an assumption",
        doc="Anti-social incidents a week per 1000 residents of an undeprived neighbourhood "
        "(0 switches collective action off).",
    )
    deprivation_incident_effect: float = param(
        1.5,
        unit="x per unit deprivation",
        role="world",
        ge=0,
        le=10,
        source=ASSUME + " (anti-social behaviour is more common in deprived areas, Crime Survey)",
        doc="Extra incidents in deprived neighbourhoods: rate x (1 + effect x deprivation).",
    )
    witnesses_per_incident: int = param(
        3,
        unit="residents/incident",
        role="world",
        ge=1,
        le=20,
        source=ASSUME,
        doc="Residents of the block who witness each incident.",
    )
    backing_weight_ties: float = param(
        0.3,
        unit="share",
        role="world",
        ge=0,
        le=1,
        source=ASSUME + " (Granovetter 1978 threshold models)",
        doc="Weight of the share of one's ties who intervened successfully lately, against the "
        "neighbourhood's expected backing, in the backing a witness expects from neighbours.",
    )
    police_backing_weight: float = param(
        0.5,
        unit="backing per unit police backing",
        role="world",
        ge=0,
        le=2,
        source="Capable Communities 2010 ('if you could guarantee that the police would back you "
        "up'); size assumed",
        doc="Weight of expected police backing in a witness's expected backing.",
    )
    intervention_threshold: float = param(
        0.4,
        unit="backing",
        role="world",
        ge=0,
        le=3,
        source=ASSUME + " (calibrated so about 1 in 10 witnesses intervene at the start; "
        "state_primary_safety: 93% see safe streets as the state's job)",
        doc="Expected backing a witness of average confidence with no fear of retaliation "
        "needs before intervening.",
    )
    threshold_fear_weight: float = param(
        0.6,
        unit="backing per unit fear",
        role="world",
        ge=0,
        le=3,
        source=ASSUME + " (fear of retaliation, Capable Communities 2010 focus groups)",
        doc="Rise in the intervention threshold per unit of fear of retaliation.",
    )
    threshold_confidence_weight: float = param(
        0.4,
        unit="backing per unit confidence",
        role="world",
        ge=0,
        le=3,
        source=ASSUME,
        doc="Fall in the intervention threshold per unit of confidence above 0.5.",
    )
    threshold_training_effect: float = param(
        0.15,
        unit="backing",
        role="world",
        ge=0,
        le=3,
        source=ASSUME + " (will_intervene_training: 17% would be trained to intervene safely)",
        doc="Fall in the intervention threshold of a resident trained to intervene safely.",
    )
    intervention_success_base: float = param(
        0.3,
        unit="probability",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Chance an intervention with no backing stops the incident (rises to 1 with "
        "full backing).",
    )
    backing_gain: float = param(
        0.05,
        unit="share of gap/success",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Rise in a neighbourhood's expected backing per successful intervention per 1000 "
        "residents.",
    )
    backing_loss: float = param(
        0.01,
        unit="share/incident",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Fall in a neighbourhood's expected backing per incident left alone per 1000 "
        "residents.",
    )
    backing_relaxation: float = param(
        0.05,
        unit="share/week",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Weekly pull of a neighbourhood's expected backing towards its baseline trust.",
    )
    recent_intervention_weeks: int = param(
        26,
        unit="weeks",
        role="world",
        ge=0,
        le=520,
        source=ASSUME,
        doc="A tie who intervened successfully within this many weeks counts as an example.",
    )
    unchallenged_trust_loss: float = param(
        0.0005,
        unit="share per incident per 1000 residents",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Fall in neighbour trust of every resident of a block per incident left alone "
        "there, per 1000 residents.",
    )
    unchallenged_fear_gain: float = param(
        0.02,
        unit="share of gap/incident",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Rise in a witness's fear of retaliation after an incident left alone.",
    )
    success_fear_relief: float = param(
        0.02,
        unit="share/incident",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Fall in a witness's fear of retaliation after seeing an intervention succeed.",
    )
    retaliation_fear_gain: float = param(
        0.1,
        unit="share of gap/failure",
        role="world",
        ge=0,
        le=1,
        source=ASSUME,
        doc="Rise in an intervener's fear of retaliation after a failed intervention.",
    )
    police_hours_per_incident: float = param(
        1.5,
        unit="hours/incident",
        role="world",
        ge=0,
        le=100,
        source=ASSUME,
        doc="Public-safety staff hours taken by an incident left alone or a failed "
        "intervention (it is reported); lowers next week's police backing.",
    )

    # ---- outcomes --------------------------------------------------------------------------
    weekly_min_weeks: int = param(
        40,
        unit="weeks/year",
        role="world",
        ge=1,
        le=52,
        source=ASSUME + " (survey 'at least once a week', allowing for holidays)",
        doc="Weeks of helping in a year that count as 'weekly' participation.",
    )
    monthly_min_months: int = param(
        8,
        unit="4-week months/year",
        role="world",
        ge=1,
        le=13,
        source=ASSUME + " (survey 'at least once a month', allowing for holidays)",
        doc="Four-week months (of 13 a year) with some help that count as 'monthly' participation.",
    )


def parameter_rows(model_cls: type[BaseModel] = Scenario) -> list[dict[str, Any]]:
    """One dict per declared parameter, for the ODD table and for error messages."""
    rows = []
    for name, field in model_cls.model_fields.items():
        extra = field.json_schema_extra or {}
        lo = hi = None
        for m in field.metadata:
            lo = getattr(m, "ge", lo) if getattr(m, "ge", None) is not None else lo
            lo = getattr(m, "gt", lo) if getattr(m, "gt", None) is not None else lo
            hi = getattr(m, "le", hi) if getattr(m, "le", None) is not None else hi
            hi = getattr(m, "lt", hi) if getattr(m, "lt", None) is not None else hi
        rows.append(
            {
                "name": name,
                "default": field.default,
                "unit": extra.get("unit", ""),
                "role": extra.get("role", ""),
                "low": lo,
                "high": hi,
                "source": extra.get("source", ""),
                "doc": field.description or "",
            }
        )
    return rows


class ScenarioError(ValueError):
    """Invalid input: the message names the parameter, the value and what is allowed."""


def _allowed(model_cls: type[BaseModel], name: str) -> str:
    field = model_cls.model_fields.get(name)
    if field is None:
        return "one of: " + ", ".join(model_cls.model_fields)
    row = next(r for r in parameter_rows(model_cls) if r["name"] == name)
    kind = {"int": "whole number", "float": "number", "str": "text", "bool": "true or false"}.get(
        getattr(field.annotation, "__name__", ""), str(field.annotation)
    )
    bounds = []
    for m in field.metadata:
        for attr, word in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            v = getattr(m, attr, None)
            if v is not None:
                bounds.append(f"{word} {_number(v)}")
    rng = f" {' and '.join(bounds)}" if bounds else ""
    unit = f" ({row['unit']})" if row["unit"] and row["unit"] != "-" else ""
    if name == "town":
        from coprod_sim.state.towns import TOWNS

        return "one of: " + ", ".join(TOWNS)
    return f"a {kind}{rng}{unit}"


def describe_validation_error(exc: Exception, model_cls: type[BaseModel], prefix: str = "") -> str:
    """One line per problem: parameter, value, what is allowed."""
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return str(exc)
    lines = []
    for err in exc.errors():
        loc = [str(x) for x in err["loc"]]
        name = loc[0] if loc else "?"
        full = prefix + ".".join(loc)
        value = err.get("input")
        if not loc:
            lines.append(f"parameters: {err['msg'].removeprefix('Value error, ')}")
        elif err["type"] == "extra_forbidden":
            lines.append(
                f"unknown parameter '{full}' (value {value!r}); "
                + closest_names(
                    name,
                    model_cls.model_fields,
                    prefix=prefix,
                    listing="levers" if prefix else "parameters",
                )
            )
        else:
            lines.append(
                f"parameter '{full}': value {value!r} is not allowed "
                f"({err['msg'].removeprefix('Value error, ')}); "
                f"allowed: {_allowed(model_cls, name)}"
            )
    return "\n".join(lines)


#: Most residents a town may have, whichever way it is sized (``n_residents``, or a preset's
#: residents times ``scale``): checked before anything is built.
MAX_RESIDENTS = 5_000_000


def _number(v: float) -> str:
    """A bound as people read it: 5,000,000 rather than 5e+06; 0.5 stays 0.5."""
    if float(v).is_integer() and abs(v) >= 1e4:
        return f"{int(v):,}"
    return f"{v:g}"


def closest_names(
    name: str, valid: Any, prefix: str = "", n: int = 4, listing: str = "parameters"
) -> str:
    """The few valid names closest to ``name`` (spelling by difflib, plus words shared), never
    the whole list of ~100."""
    import difflib

    names = list(valid)
    words = set(str(name).lower().split("_"))

    def score(candidate: str) -> float:  # spelling, plus words shared (fear_of_x ~ fear_*)
        spelling = difflib.SequenceMatcher(None, str(name).lower(), candidate).ratio()
        shared = len(words & set(candidate.split("_"))) / max(len(words), 1)
        return spelling + 0.5 * shared

    close = sorted(names, key=lambda c: (-score(c), c))[:n]
    shown = ", ".join(f"'{prefix}{c}'" for c in close)
    if not close:
        return "allowed: no parameters here"
    return (
        f"allowed: a declared name; closest: {shown} (all {len(names)}: "
        f"`coprod-sim list {listing}`)"
    )


def coerce_numpy(value: Any) -> Any:
    """NumPy scalars as the Python numbers they are (``np.arange`` grids give ``np.int64``,
    which strict validation would refuse); anything else unchanged."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a dependency
        return value
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.str_):
        return str(value)
    return value


def town_size(scenario: Scenario) -> int:
    """Residents the town will have: ``n_residents``, or the preset's residents x ``scale``."""
    from coprod_sim.state.towns import TOWNS

    if scenario.n_residents:
        return int(scenario.n_residents)
    return max(1, int(round(TOWNS[scenario.town].residents * scenario.scale)))


def make_scenario(**params: Any) -> Scenario:
    """Build a validated Scenario or raise ScenarioError with a readable message.

    NumPy scalars are taken as the numbers they are; the size limit applies to the town that
    would result (a preset times ``scale``), before anything is built.
    """
    from pydantic import ValidationError

    params = {k: coerce_numpy(v) for k, v in params.items()}
    try:
        scenario = Scenario(**params)
    except ValidationError as exc:
        raise ScenarioError(describe_validation_error(exc, Scenario)) from None
    size = town_size(scenario)
    if size > MAX_RESIDENTS:
        how = (
            f"n_residents = {scenario.n_residents:,}"
            if scenario.n_residents
            else f"town '{scenario.town}' x scale {scenario.scale:g}"
        )
        raise ScenarioError(
            f"parameter 'scale': {how} makes a town of {size:,} residents, which is not "
            f"allowed; allowed: at most {MAX_RESIDENTS:,} residents (lower 'scale' or "
            "'n_residents')"
        )
    return scenario
