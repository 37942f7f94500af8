"""The demo conference, modelled on the Wikimedia movement's Global Conversations.

Everything comes from a fixed seed and fixed dates, so two loads give the same rows
(except registration tokens, which stay secret by design). Registrants go through the
registration form's own rules and :func:`conference.storage.registrations.save`.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session as DbSession

from .domain.people import Role
from .domain.registration import Form, RegistrationData, clean
from .domain.sessions import SessionKind
from .domain.support import SupportKind
from .storage import registrations
from .storage.engine import is_empty, session
from .storage.tables import (
    AvailabilityWindow,
    BreakoutPreference,
    BreakoutRoom,
    ChildcareRate,
    Conference,
    DataOffer,
    InterpreterProfile,
    LightningTalk,
    Person,
    SpeakerWindow,
)
from .storage.tables import Session as ProgrammeSession

SEED = 20261205
SLUG = "global-conversations-demo"
DAY_1 = date(2026, 12, 5)
DAY_2 = date(2026, 12, 6)
INTERPRETED = ("ar", "zh", "fr", "de", "id", "ru", "es")
ORGANISER = "organiser@example.org"
# Rows get creation times from here on, not from the wall clock.
CREATED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


# (title, kind, start, end, floor, interpretation), in programme order.
PROGRAMME: tuple[tuple[str, str, datetime, datetime, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Opening plenary: Welcome to Global Conversations", "plenary",
     _at(DAY_1, 13), _at(DAY_1, 14), ("en",), INTERPRETED),
    ("Safety and inclusion", "breakout", _at(DAY_1, 14, 15), _at(DAY_1, 15, 30), ("en",), INTERPRETED),
    ("Movement Charter", "breakout", _at(DAY_1, 14, 15), _at(DAY_1, 15, 30), ("en",), INTERPRETED),
    ("Hubs", "breakout", _at(DAY_1, 14, 15), _at(DAY_1, 15, 30), ("en",), INTERPRETED),
    ("Knowledge equity", "breakout", _at(DAY_1, 14, 15), _at(DAY_1, 15, 30), ("en",), INTERPRETED),
    ("Lightning talks", "lightning", _at(DAY_1, 15, 45), _at(DAY_1, 16, 30), ("en",), INTERPRETED),
    ("Social hour: meet the movement", "social", _at(DAY_1, 17), _at(DAY_1, 18), ("en",), ()),
    ("Plenary: Strategy in every language / Estrategia en todos los idiomas", "plenary",
     _at(DAY_2, 13), _at(DAY_2, 14), ("en", "es"), ("en", *INTERPRETED)),
    ("Skills development", "breakout", _at(DAY_2, 14, 15), _at(DAY_2, 15, 30), ("en",), INTERPRETED),
    ("Global Council", "breakout", _at(DAY_2, 14, 15), _at(DAY_2, 15, 30), ("en",), INTERPRETED),
    ("Revenue and fundraising", "breakout", _at(DAY_2, 14, 15), _at(DAY_2, 15, 30), ("en",), INTERPRETED),
    ("Technology for all", "breakout", _at(DAY_2, 14, 15), _at(DAY_2, 15, 30), ("en",), INTERPRETED),
    ("Closing plenary: What we heard", "plenary",
     _at(DAY_2, 15, 45), _at(DAY_2, 16, 45), ("en",), INTERPRETED),
)  # fmt: skip

# Breakout session → rooms: (topic, capacity, languages followed there).
ROOMS: dict[str, tuple[tuple[str, int, tuple[str, ...]], ...]] = {
    "Safety and inclusion": (
        ("The Universal Code of Conduct in practice", 15, ("en", "fr")),
        ("Safe spaces for new editors", 12, ("es", "en")),
        ("Reporting harassment in every language", 10, ("ar", "fr", "en")),
    ),
    "Movement Charter": (
        ("What the Charter means for affiliates", 15, ("en", "es")),
        ("Ratification and voting", 10, ("fr", "en")),
    ),
    "Hubs": (
        ("Regional hubs: Africa", 12, ("en", "fr", "sw")),
        ("Thematic hubs", 12, ("en", "de")),
        ("Hubs in Asia and the Pacific", 10, ("id", "en", "zh")),
    ),
    "Knowledge equity": (
        ("Oral knowledge and citations", 12, ("en", "hi")),
        ("Closing content gaps on women", 12, ("es", "pt-BR", "en")),
    ),
    "Skills development": (
        ("A shared learning platform", 15, ("en", "es")),
        ("Mentoring new organisers", 10, ("fr", "ar", "en")),
        ("Training in local languages", 10, ("id", "ru", "en")),
    ),
    "Global Council": (
        ("How the Council is chosen", 15, ("en", "fr")),
        ("Representing smaller communities", 10, ("es", "en")),
    ),
    "Revenue and fundraising": (
        ("Local fundraising for affiliates", 12, ("en", "de")),
        ("Grants that reach the Global South", 12, ("en", "es", "fr")),
    ),
    "Technology for all": (
        ("Tools for low-bandwidth editing", 15, ("en", "id", "hi")),
        ("Language support in MediaWiki", 12, ("en", "zh", "ru")),
        ("Mobile-first contributors", 10, ("es", "pt-BR", "en")),
    ),
}


@dataclass(frozen=True)
class Region:
    country: str
    count: int
    timezones: tuple[str, ...]
    languages: tuple[tuple[tuple[str, ...], int], ...]
    """Language lists in order of preference, with how often each is chosen."""
    first: tuple[str, ...]
    last: tuple[str, ...]
    family_first: bool = False


REGIONS = (
    Region("IN", 10, ("Asia/Kolkata",),
           ((("hi", "en"), 4), (("en", "hi"), 3), (("bn", "en"), 1), (("ta", "en"), 1), (("hi",), 1)),
           ("Aarav", "Priya", "Rohan", "Ananya", "Vikram", "Sneha", "Arjun", "Kavya", "Rahul", "Meera"),
           ("Sharma", "Iyer", "Patel", "Reddy", "Banerjee", "Nair", "Gupta", "Singh", "Menon")),
    Region("NG", 8, ("Africa/Lagos",),
           ((("en", "yo"), 3), (("en", "ha"), 2), (("en", "ig"), 2), (("en", "fr"), 1)),
           ("Chinedu", "Aisha", "Oluwaseun", "Ngozi", "Emeka", "Fatima", "Tunde", "Amaka"),
           ("Okafor", "Adeyemi", "Bello", "Eze", "Abubakar", "Okonkwo", "Nwosu", "Yusuf")),
    Region("KE", 5, ("Africa/Nairobi",),
           ((("en", "sw"), 3), (("sw", "en"), 2)),
           ("Wanjiru", "Otieno", "Achieng", "Kamau", "Njeri", "Mwangi", "Akinyi"),
           ("Odhiambo", "Wambui", "Kariuki", "Mutua", "Chebet", "Omondi")),
    Region("ID", 8, ("Asia/Jakarta", "Asia/Makassar"),
           ((("id", "en"), 4), (("id",), 3), (("id", "jv", "en"), 1)),
           ("Putri", "Agus", "Dewi", "Rizky", "Ayu", "Bayu", "Indah", "Fajar", "Sari"),
           ("Wijaya", "Saputra", "Lestari", "Pratama", "Kusuma", "Hidayat", "Nugroho")),
    Region("BR", 7, ("America/Sao_Paulo", "America/Manaus"),
           ((("pt-BR", "es", "en"), 3), (("pt-BR", "en"), 3), (("pt-BR",), 1)),
           ("João", "Ana", "Lucas", "Beatriz", "Rafael", "Juliana", "Thiago", "Larissa"),
           ("Silva", "Souza", "Oliveira", "Pereira", "Costa", "Almeida", "Ferreira")),
    Region("DE", 5, ("Europe/Berlin",),
           ((("de", "en"), 4), (("de", "en", "fr"), 2), (("en", "de"), 1)),
           ("Lukas", "Sophie", "Felix", "Hannah", "Lena", "Jonas", "Marie"),
           ("Müller", "Schneider", "Fischer", "Wagner", "Becker", "Hoffmann")),
    Region("MX", 8, ("America/Mexico_City", "America/Argentina/Buenos_Aires", "Europe/Madrid",
                     "America/Bogota", "America/Lima"),
           ((("es",), 4), (("es", "en"), 4), (("es", "pt-BR", "en"), 1)),
           ("Sofía", "Mateo", "Valentina", "Santiago", "Camila", "Alejandro", "Martín", "Isabella"),
           ("García", "Rodríguez", "Martínez", "López", "Hernández", "Pérez", "Gómez", "Torres")),
    Region("FR", 6, ("Europe/Paris", "Africa/Abidjan", "Africa/Dakar", "Africa/Kinshasa"),
           ((("fr",), 3), (("fr", "en"), 3), (("fr", "ar", "en"), 1), (("fr", "wo"), 1)),
           ("Amélie", "Moussa", "Chloé", "Mamadou", "Léa", "Ousmane", "Koffi"),
           ("Traoré", "Martin", "Diallo", "Kouassi", "Lefebvre", "Ndiaye", "Dubois")),
    Region("EG", 6, ("Africa/Cairo", "Africa/Casablanca", "Asia/Amman", "Asia/Riyadh"),
           ((("ar",), 3), (("ar", "en"), 3), (("ar", "fr"), 2)),
           ("Omar", "Layla", "Ahmed", "Mariam", "Hassan", "Yasmin", "Khaled", "Nour"),
           ("Mansour", "Haddad", "El-Sayed", "Benali", "Khalil", "Nasser", "Saleh")),
    Region("TW", 4, ("Asia/Shanghai", "Asia/Taipei", "Asia/Hong_Kong"),
           ((("zh",), 2), (("zh", "en"), 3)),
           ("Fang", "Yang", "Jie", "Yu-ting", "Hao", "Xin"),
           ("Wang", "Liu", "Zhou", "Lin", "Huang"), family_first=True),
    Region("RU", 5, ("Europe/Moscow", "Europe/Kyiv", "Asia/Novosibirsk"),
           ((("ru", "en"), 3), (("ru",), 2), (("uk", "ru", "en"), 2)),
           ("Anastasia", "Ivan", "Ekaterina", "Sergei", "Maria", "Alexei", "Oksana"),
           ("Petrenko", "Smirnov", "Kuznetsov", "Popov", "Volkov", "Kovalenko", "Shevchenko")),
    Region("BD", 3, ("Asia/Dhaka",),
           ((("bn", "en"), 3), (("bn",), 1)),
           ("Tanvir", "Nusrat", "Rafiq", "Farhana", "Sabbir"),
           ("Ahmed", "Hossain", "Rahman", "Chowdhury", "Islam")),
    Region("US", 3, ("America/New_York", "Europe/London", "America/Los_Angeles"),
           ((("en",), 3), (("en", "fr"), 1), (("en", "es"), 1)),
           ("Emily", "Michael", "Olivia", "Daniel", "Grace"),
           ("Johnson", "Brown", "Taylor", "Wilson", "Evans")),
    Region("PH", 2, ("Asia/Manila",),
           ((("fil", "en"), 2), (("en", "fil"), 1)),
           ("Maria Clara", "Jose", "Angelica", "Paolo"),
           ("Santos", "Reyes", "Cruz", "Bautista")),
)  # fmt: skip

# How likely a registrant is to attend each session that is not a breakout.
ATTENDANCE = {"plenary": 0.8, "lightning": 0.55, "social": 0.35}
BREAKOUT_ROUND = 0.8

# (name, timezone, A, B, C, local working hours, max minutes per day)
INTERPRETERS: tuple[
    tuple[str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[int, int], int | None],
    ...,
] = (
    ("Lucía Fernández", "Europe/Madrid", ("es",), ("en",), (), (9, 21), None),
    ("Diego Ramírez", "America/Mexico_City", ("es",), ("en",), ("fr",), (6, 14), None),
    ("Camille Durand", "Europe/Paris", ("fr",), ("en",), ("es",), (10, 20), None),
    ("Awa Diop", "Africa/Dakar", ("fr",), ("en",), (), (10, 19), 120),
    ("Youssef Haddad", "Africa/Cairo", ("ar",), ("en",), ("fr",), (12, 22), None),
    ("Rania Khalil", "Asia/Amman", ("ar",), ("en",), (), (13, 23), None),
    ("Karim Benali", "Africa/Casablanca", ("ar",), ("fr",), ("en",), (11, 20), None),
    ("Li Wei", "Asia/Shanghai", ("zh",), ("en",), (), (18, 24), 90),
    ("Chen Mei-ling", "Asia/Taipei", ("zh",), ("en",), (), (17, 24), None),
    ("Zhang Hui", "Europe/London", ("zh",), ("en",), ("fr",), (9, 19), None),
    ("Olga Ivanova", "Europe/Moscow", ("ru",), ("en",), ("de",), (14, 23), None),
    ("Dmitri Sokolov", "Asia/Tbilisi", ("ru",), ("en",), (), (15, 23), None),
    ("Siti Rahmawati", "Asia/Jakarta", ("id",), ("en",), (), (18, 24), None),
    ("Budi Santoso", "Asia/Makassar", ("id",), ("en",), (), (19, 24), 120),
    ("Anna Schmidt", "Europe/Berlin", ("de",), ("en",), ("fr",), (9, 20), None),
    ("Jonas Weber", "Europe/Vienna", ("de",), ("en",), (), (12, 19), 180),
    ("Sarah Mitchell", "Europe/London", ("en",), ("fr",), (), (8, 20), None),
    ("James Okafor", "Africa/Lagos", ("en",), ("fr",), ("es",), (10, 20), None),
    ("María González", "America/Argentina/Buenos_Aires", ("es", "en"), (), ("pt",), (8, 16), None),
    ("Emily Carter", "America/New_York", ("en",), ("es",), (), (8, 14), None),
)  # fmt: skip

# (title, language, speaker's country, priority, availability windows on day 1 in UTC)
TALKS: tuple[tuple[str, str, str, int, tuple[tuple[int, int, int, int], ...]], ...] = (
    ("Wikidata for local elections in Nigeria", "en", "NG", 2, ((13, 0, 18, 0),)),
    ("Membawa Wikipedia bahasa Indonesia ke sekolah", "id", "ID", 2, ((15, 30, 16, 30),)),
    ("Un año de editatonas feministas", "es", "MX", 1, ((15, 45, 16, 10),)),
    ("Community radio meets Wikipedia in Kenya", "en", "KE", 1, ((14, 0, 17, 0),)),
    ("Traduire la médecine : le WikiProjet Médecine", "fr", "FR", 2, ((16, 0, 16, 30),)),
    ("Women in Red in the Arab world", "ar", "EG", 1, ((15, 0, 16, 30),)),
    ("Museus brasileiros no Wikimedia Commons", "pt-BR", "BR", 1, ((15, 0, 17, 0),)),
    ("Kiwix: Wikipedia offline in Indian schools", "en", "IN", 1, ((13, 0, 15, 0),)),
)  # fmt: skip

# (country, carrier, GB, price in cents)
DATA_OFFERS = (
    ("IN", "Jio", 10, 300), ("IN", "Jio", 25, 700), ("IN", "Airtel", 6, 250),
    ("IN", "Airtel", 15, 550), ("NG", "MTN", 10, 1100), ("NG", "Airtel", 10, 950),
    ("KE", "Safaricom", 10, 1000), ("KE", "Safaricom", 20, 1800),
    ("ID", "Telkomsel", 15, 600), ("ID", "Telkomsel", 30, 1000),
    ("BR", "Vivo", 10, 1300), ("BR", "Vivo", 20, 2200),
)  # fmt: skip
CHILDCARE_RATES = (("default", 1200), ("NG", 500), ("IN", 400), ("BR", 800), ("KE", 600))
DATA_BUDGET_CENTS = 3500
CHILDCARE_BUDGET_CENTS = 6000

# (country, carrier, GB, priority): the last two match no offer, on purpose.
DATA_NEEDS = (
    ("IN", "Jio", 10, 2), ("IN", "Airtel", 5, 1), ("NG", "MTN", 8, 2), ("KE", "Safaricom", 10, 1),
    ("ID", "Telkomsel", 12, 1), ("BR", "Vivo", 10, 1), ("NG", "Airtel", 20, 1),
    ("BD", "Grameenphone", 5, 1),
)  # fmt: skip
# (country, children, how many of their sessions, priority)
CHILDCARE_NEEDS = (("NG", 2, 2, 2), ("DE", 1, 2, 1), ("BR", 3, 1, 1), ("IN", 1, 3, 1))


def load(engine: Engine) -> Conference:
    """Create the demo conference with its programme, people and support requests."""
    rng = random.Random(SEED)
    with session(engine) as db:
        conference = Conference(
            slug=SLUG,
            name="Global Conversations (demo)",
            timezone="UTC",
            start_date=DAY_1,
            end_date=DAY_2,
            data_budget_cents=DATA_BUDGET_CENTS,
            childcare_budget_cents=CHILDCARE_BUDGET_CENTS,
        )
        db.add(conference)
        db.flush()
        assert conference.id is not None
        sessions = _programme(db, conference.id)
        rooms = _rooms(db, sessions)
        people = _registrants(rng, sessions)
        _register(db, conference, people, rooms, rng)
        _interpreters(db, {p.data.email for p in people})
        _lightning(db, conference.id, people)
        for country, carrier, gb, price in DATA_OFFERS:
            db.add(
                DataOffer(
                    conference_id=conference.id,
                    country=country,
                    carrier=carrier,
                    gb=gb,
                    price_cents=price,
                )
            )
        for country, rate in CHILDCARE_RATES:
            db.add(ChildcareRate(conference_id=conference.id, country=country, rate_cents=rate))
        db.add(
            Person(
                name="Demo Organiser",
                email=ORGANISER,
                roles=[Role.ORGANISER.value],
                created_at=CREATED,
            )
        )
    return conference


def load_if_empty(engine: Engine) -> bool:
    """Load the demo into a database with no conference yet; True if it did."""
    if not is_empty(engine):
        return False
    load(engine)
    return True


def _programme(db: DbSession, conference_id: int) -> list[ProgrammeSession]:
    sessions = []
    for title, kind, start, end, floor, interpreted in PROGRAMME:
        row = ProgrammeSession(
            conference_id=conference_id,
            title=title,
            kind=SessionKind(kind).value,
            start=start,
            end=end,
            floor_languages=list(floor),
            interpretation_languages=list(interpreted),
        )
        db.add(row)
        sessions.append(row)
    db.flush()
    return sessions


def _rooms(db: DbSession, sessions: list[ProgrammeSession]) -> dict[int, list[BreakoutRoom]]:
    rooms: dict[int, list[BreakoutRoom]] = {}
    for row in sessions:
        if row.title not in ROOMS:
            continue
        assert row.id is not None
        rooms[row.id] = []
        for number, (topic, capacity, languages) in enumerate(ROOMS[row.title], start=1):
            room = BreakoutRoom(
                session_id=row.id,
                name=f"Room {number}",
                topic=topic,
                capacity=capacity,
                languages=list(languages),
            )
            db.add(room)
            rooms[row.id].append(room)
    db.flush()
    return rooms


@dataclass
class _Registrant:
    country: str
    data: RegistrationData
    priorities: dict[str, int]
    talk: int | None = None
    """The index of their lightning talk in TALKS, if they give one."""


def _registrants(rng: random.Random, sessions: list[ProgrammeSession]) -> list[_Registrant]:
    """The registrants' answers, cleaned by the registration form's rules."""
    ids = {row.id for row in sessions if row.id is not None}
    rounds: dict[date, list[int]] = {}
    for row in sessions:
        if row.kind == SessionKind.BREAKOUT and row.id is not None:
            rounds.setdefault(row.start.date(), []).append(row.id)
    result: list[_Registrant] = []
    emails: set[str] = set()
    for region in REGIONS:
        for _ in range(region.count):
            first, last = rng.choice(region.first), rng.choice(region.last)
            name = f"{last} {first}" if region.family_first else f"{first} {last}"
            email = _email(name, emails)
            options, weights = zip(*region.languages, strict=True)
            languages = rng.choices(options, weights=weights)[0]
            chosen = [
                row.id
                for row in sessions
                if row.kind != SessionKind.BREAKOUT and rng.random() < ATTENDANCE[row.kind]
            ]
            for breakouts in rounds.values():
                if rng.random() < BREAKOUT_ROUND:
                    chosen.append(rng.choice(breakouts))
            form: dict[str, str | list[str]] = {
                "name": name,
                "email": email,
                "timezone": rng.choice(region.timezones),
                "languages": list(languages),
                "sessions": [str(i) for i in chosen],
            }
            result.append(_Registrant(region.country, _clean(form, ids), {}))
    _add_support(result, sessions, ids)
    _add_speakers(result, sessions, ids)
    return result


def _add_speakers(
    people: list[_Registrant], sessions: list[ProgrammeSession], ids: set[int]
) -> None:
    """Each talk's speaker is the first registrant of its country who speaks its language."""
    block = next(row.id for row in sessions if row.kind == SessionKind.LIGHTNING)
    order = [row.id for row in sessions]
    for talk, (_, language, country, _, _) in enumerate(TALKS):
        index = next(
            i
            for i, p in enumerate(people)
            if p.country == country and p.talk is None and language in p.data.languages
        )
        person = people[index]
        chosen = sorted({*person.data.sessions, block}, key=order.index)
        form = _form(person.data) | {"sessions": [str(i) for i in chosen]}
        people[index] = _Registrant(country, _clean(form, ids), person.priorities, talk)


def _add_support(
    people: list[_Registrant], sessions: list[ProgrammeSession], ids: set[int]
) -> None:
    """Give the first registrants of each country (in order) the support needs listed above."""
    order = [row.id for row in sessions]
    taken: set[int] = set()

    def first_from(country: str) -> int:
        index = next(i for i, p in enumerate(people) if p.country == country and i not in taken)
        taken.add(index)
        return index

    for country, carrier, gb, priority in DATA_NEEDS:
        index = first_from(country)
        person = people[index]
        form = _form(person.data) | {
            "need_data": "1",
            "data_country": country,
            "data_carrier": carrier,
            "data_gb": str(gb),
        }
        people[index] = _Registrant(
            country, _clean(form, ids), {SupportKind.DATA_PACKAGE: priority}
        )
    for country, children, count, priority in CHILDCARE_NEEDS:
        index = first_from(country)
        person = people[index]
        attended = sorted(person.data.sessions, key=order.index)
        if len(attended) < count:
            attended = [i for i in order if i is not None][:count]
        form = _form(person.data) | {
            "sessions": [str(i) for i in sorted(set(person.data.sessions) | set(attended[:count]))],
            "need_childcare": "1",
            "childcare_children": str(children),
            "childcare_sessions": [str(i) for i in attended[:count]],
        }
        people[index] = _Registrant(country, _clean(form, ids), {SupportKind.CHILDCARE: priority})


def _form(data: RegistrationData) -> dict[str, str | list[str]]:
    """The form answers that give ``data`` back, for adding to them."""
    form: dict[str, str | list[str]] = {
        "name": data.name,
        "email": data.email,
        "timezone": data.timezone,
        "languages": list(data.languages),
        "sessions": [str(i) for i in data.sessions],
    }
    if data.data is not None:
        form |= {"need_data": "1", "data_country": data.data.country,
                 "data_carrier": data.data.carrier, "data_gb": str(data.data.gb)}  # fmt: skip
    if data.childcare is not None:
        form |= {"need_childcare": "1", "childcare_children": str(data.childcare.children),
                 "childcare_sessions": [str(i) for i in data.childcare.sessions]}  # fmt: skip
    return form


def _clean(form: dict[str, str | list[str]], ids: set[int]) -> RegistrationData:
    data, errors = clean(Form.from_mapping(form), ids)
    if data is None:
        raise ValueError(f"the demo's own data breaks the form's rules: {sorted(errors)}")
    return data


def _email(name: str, taken: set[str]) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    local = re.sub(r"[^a-z0-9]+", ".", ascii_name.lower()).strip(".")
    email, number = f"{local}@example.org", 1
    while email in taken:
        number += 1
        email = f"{local}{number}@example.org"
    taken.add(email)
    return email


def _register(
    db: DbSession,
    conference: Conference,
    people: list[_Registrant],
    rooms: dict[int, list[BreakoutRoom]],
    rng: random.Random,
) -> None:
    for index, person in enumerate(people):
        registration = registrations.save(db, conference, person.data)
        assert registration.id is not None
        moment = CREATED + timedelta(hours=index * 3)
        registration.created_at = registration.updated_at = moment
        db.add(registration)
        owner = db.get(Person, registration.person_id)
        assert owner is not None
        owner.created_at = moment
        db.add(owner)
        for request in registrations.support_requests(db, registration.id):
            request.created_at = moment
            request.priority = person.priorities.get(request.kind, 1)
            if request.kind == SupportKind.CHILDCARE:
                # The form does not ask; the organiser knows, and the rate depends on it.
                request.country = person.country
            db.add(request)
        for session_id in person.data.sessions:
            choices = rooms.get(session_id, [])
            followed = [r for r in choices if set(r.languages) & set(person.data.languages)]
            rng.shuffle(followed)
            for rank, room in enumerate(followed[: rng.randint(1, 2)]):
                assert room.id is not None
                db.add(
                    BreakoutPreference(registration_id=registration.id, room_id=room.id, rank=rank)
                )
    db.flush()


def _interpreters(db: DbSession, taken: set[str]) -> None:
    for index, (name, zone, a, b, c, hours, limit) in enumerate(INTERPRETERS):
        email = _email(name, taken)
        person = Person(
            name=name,
            email=email,
            roles=[Role.INTERPRETER.value],
            created_at=CREATED - timedelta(days=10, hours=-index),
        )
        db.add(person)
        db.flush()
        assert person.id is not None
        profile = InterpreterProfile(
            person_id=person.id,
            a_languages=list(a),
            b_languages=list(b),
            c_languages=list(c),
            timezone=zone,
            max_minutes_per_day=limit,
        )
        db.add(profile)
        db.flush()
        assert profile.id is not None
        for day in (DAY_1, DAY_2):
            start, end = _local_window(day, zone, *hours)
            db.add(AvailabilityWindow(profile_id=profile.id, start=start, end=end))


def _local_window(day: date, zone: str, first: int, last: int) -> tuple[datetime, datetime]:
    """From ``first`` to ``last`` o'clock (24 is midnight) on ``day`` in ``zone``, in UTC."""
    midnight = datetime.combine(day, time(0), tzinfo=ZoneInfo(zone))
    start = midnight + timedelta(hours=first)
    end = midnight + timedelta(hours=last)
    return start.astimezone(UTC), end.astimezone(UTC)


def _lightning(db: DbSession, conference_id: int, people: list[_Registrant]) -> None:
    """The talks, each given by the registrant chosen for it (on its block's stage, no role)."""
    speakers = {p.talk: p for p in people if p.talk is not None}
    for index, (title, language, _, priority, windows) in enumerate(TALKS):
        person = registrations.person_by_email(db, speakers[index].data.email)
        assert person is not None and person.id is not None
        talk = LightningTalk(
            conference_id=conference_id,
            speaker_id=person.id,
            title=title,
            language=language,
            priority=priority,
            # The demo's organisers have read the submissions: every talk is on the shortlist.
            status="accepted",
            created_at=CREATED + timedelta(days=5, hours=index),
        )
        db.add(talk)
        db.flush()
        assert talk.id is not None
        for h1, m1, h2, m2 in windows:
            db.add(SpeakerWindow(talk_id=talk.id, start=_at(DAY_1, h1, m1), end=_at(DAY_1, h2, m2)))
