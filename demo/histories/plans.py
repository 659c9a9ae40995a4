"""Plans: the setup every story shares, the mix of fates, and what will happen to each dossier."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from demo.histories.caches import Catalog
from demo.histories.constants import HORIZON, HOURS, RECENT_HOURS, WINDOW
from demo.histories.people import demo_person
from demo.histories.routes import Route
from demo.histories.staff import Staff
from dossiers.models.dossier import Channel, Delivery
from dossiers.services import ApplicantData
from org.models import Agency
from workdays import clock


@dataclass
class Setup:
    """What every story needs to know about the demo province."""

    routes: list[Route]
    targets: list[Agency]  # agencies that can receive a transfer or answer a consultation
    catalog: Catalog
    staff: Staff
    places: list[str]

    def targets_for(self, route: Route) -> list[Agency]:
        return [a for a in self.targets if a.pk != route.processing.pk]


class Fate:
    """How a dossier's story ends (or where it stands now, for the recent ones)."""

    APPROVED = "approved"
    LATE = "late"  # finished after its first due moment, with an apology before it passed
    REFUSED = "refused"  # a reasoned refusal after processing
    NOT_RECEIVED = "not_received"  # refused at reception
    WITHDRAWN = "withdrawn"
    STOPPED = "stopped"
    TRANSFERRED = "transferred"  # part of the work is transferred to another agency
    GUIDED = "guided"  # incomplete at reception: one written guidance, then received
    WAITING_SUPPLEMENT = "waiting_supplement"  # recent: the applicant has not supplemented yet
    WAITING_PAYMENT = "waiting_payment"  # recent: the financial obligation is not paid yet


# Shares per hundred dossiers (each hundred holds exactly these, in a shuffled order).
FATES = {
    Fate.APPROVED: 58, Fate.LATE: 9, Fate.REFUSED: 6, Fate.NOT_RECEIVED: 6, Fate.WITHDRAWN: 5,
    Fate.STOPPED: 4, Fate.TRANSFERRED: 4, Fate.GUIDED: 8,
}  # fmt: skip
# In the last four working weeks more dossiers wait on their applicants, as in practice.
RECENT_FATES = {
    Fate.APPROVED: 44, Fate.LATE: 8, Fate.WAITING_SUPPLEMENT: 18, Fate.WAITING_PAYMENT: 10,
    Fate.NOT_RECEIVED: 6, Fate.WITHDRAWN: 4, Fate.GUIDED: 6, Fate.REFUSED: 4,
}  # fmt: skip
# Extras along the processing of a dossier that goes through the internal process.
EXTRAS = {"supplement": 0.12, "payment": 0.10, "consult": 0.08, "send_back": 0.07}
PROCESSED = {Fate.APPROVED, Fate.LATE, Fate.REFUSED, Fate.TRANSFERRED, Fate.GUIDED}


class Deck:
    """Fates dealt from shuffled decks of a hundred cards: any hundred consecutive dossiers
    hold the exact mix, so even a small sample has every kind of history."""

    def __init__(self, shares: dict[str, int], rng: random.Random) -> None:
        self.cards = [fate for fate, n in shares.items() for _ in range(n)]
        self.rng = rng
        self.hand: list[str] = []

    def deal(self) -> str:
        if not self.hand:
            self.hand = self.cards[:]
            self.rng.shuffle(self.hand)
        return self.hand.pop()


@dataclass
class Plan:
    """What will happen to one dossier; the story decides the when, move by move."""

    index: int
    route: Route
    fate: str
    channel: str
    delivery: str
    entry: dt.datetime  # online submission, or reception at the counter
    applicant: ApplicantData
    extras: set[str]
    end_stage: str = ""  # where a withdrawal or a stop happens
    rng: random.Random = field(default_factory=random.Random, repr=False)


class Planner:
    """Deals the plans: procedures and agencies, channels, fates, and the entry moments
    (spread evenly over the working time of the past twelve months, each at a working
    moment; online submissions also in the evening and at weekends)."""

    def __init__(self, setup: Setup, seed: int, count: int, now: dt.datetime) -> None:
        self.setup, self.seed, self.count, self.now = setup, seed, count, now
        self.rng = random.Random(seed)
        self.deck = Deck(FATES, self.rng)
        self.recent_deck = Deck(RECENT_FATES, self.rng)
        self.start = (now - WINDOW).replace(second=0, microsecond=0)
        self.cal = setup.catalog.clock(setup.routes[0].receiving)
        self.span = clock.elapsed_working(self.cal, self.start, now, unit=HOURS)
        setup.catalog.window = (self.start.date() - dt.timedelta(days=1), now.date() + HORIZON)
        self.minutes = setup.catalog.minutes(setup.routes[0].receiving)
        self.pool = max(10, count * 85 // 100)
        self.by_procedure = _group_routes(setup.routes)
        # Commune-level procedures (civil status, certification...) are the busiest.
        self.weights = [2 if routes[0].is_commune else 1 for routes in self.by_procedure]

    def plan(self, index: int) -> Plan:
        """The plan of dossier `index`; the plans before it must have been made or skipped."""
        offset, fate = self._deal(index)
        entry = self.minutes.add(self.start, math.floor(offset * 60))
        rng = random.Random(f"{self.seed}:dossier:{index}")
        route = rng.choice(rng.choices(self.by_procedure, self.weights)[0])
        fate = self._feasible(fate, route)
        channel = _channel(rng, route, fate)
        if channel == Channel.ONLINE and rng.random() < 0.4:
            entry = max(self.start, entry - dt.timedelta(minutes=rng.randint(60, 14 * 60)))
        person = rng.randrange(self.pool)
        places = self.setup.places
        plan = Plan(
            index=index, route=route, fate=fate, channel=channel,
            delivery=_delivery(rng, channel), entry=entry,
            applicant=demo_person(self.seed, person, self.now.date(), places),
            extras=_extras(rng, route, fate), rng=rng,
        )  # fmt: skip
        plan.end_stage = _end_stage(rng, plan)
        return plan

    def skip(self, index: int) -> None:
        """Pass over plan `index` (another process makes it): only the draws from the shared
        generator, so the next plan is the one a single process would make."""
        self._deal(index)

    def _deal(self, index: int) -> tuple[Fraction, str]:
        """The plan's draws from the generator every plan shares: its place in the year and
        its fate (from the deck of its part of the year)."""
        offset = self.span * Fraction(index + self.rng.random()) / self.count
        recent = offset >= self.span - RECENT_HOURS
        return offset, (self.recent_deck if recent else self.deck).deal()

    def _feasible(self, fate: str, route: Route) -> str:
        """Fall back to a plain approval where the route cannot give this history."""
        if fate == Fate.GUIDED and not (route.auto and route.documents):
            return Fate.APPROVED
        if fate == Fate.TRANSFERRED and not self.setup.targets_for(route):
            return Fate.APPROVED
        if fate == Fate.WAITING_SUPPLEMENT and not route.documents:
            return Fate.WAITING_PAYMENT
        return fate


def _group_routes(routes: list[Route]) -> list[list[Route]]:
    grouped: dict[int, list[Route]] = defaultdict(list)
    for route in routes:
        grouped[route.procedure.pk].append(route)
    return list(grouped.values())


def _channel(rng: random.Random, route: Route, fate: str) -> str:
    """Online only where the services choose the processing agency right by themselves; for
    those, most applications come online (demo assumption)."""
    if route.auto and rng.random() < 0.65:
        return Channel.ONLINE
    return Channel.POST if rng.random() < 0.12 else Channel.IN_PERSON


def _delivery(rng: random.Random, channel: str) -> str:
    if channel == Channel.ONLINE and rng.random() < 0.5:
        return Delivery.ONLINE
    return Delivery.POST if rng.random() < 0.25 else Delivery.COUNTER


def _extras(rng: random.Random, route: Route, fate: str) -> set[str]:
    extras = set()
    if fate == Fate.WAITING_SUPPLEMENT:
        extras.add("supplement")
    if fate == Fate.WAITING_PAYMENT:
        extras.add("payment")
    if fate in PROCESSED:
        extras |= {name for name, share in EXTRAS.items() if rng.random() < share}
    if fate == Fate.GUIDED or not route.documents:
        extras.discard("supplement")  # one supplement per dossier; nothing published to ask
    return extras


def _end_stage(rng: random.Random, plan: Plan) -> str:
    """Where a withdrawal or a stop happens; it brings the extras that stage needs."""
    if plan.fate == Fate.WITHDRAWN:
        stages = ["received", "specialist", "payment"]
        stages += ["submitted"] if plan.channel == Channel.ONLINE else []
        stages += ["supplement"] if plan.route.documents else []
    elif plan.fate == Fate.STOPPED:
        stages = ["specialist", "head", "payment"]
        stages += ["supplement", "supplement"] if plan.route.documents else []
    else:
        return ""
    stage = rng.choice(stages)
    if stage in ("supplement", "payment"):
        plan.extras.add(stage)
    return stage
