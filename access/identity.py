"""Who is signing this request: the user, the official behind it (unit, agency, roles) and the
user's TOTP devices, read in one query compiled once per process (decision 0012).

Why: every back-office and oversight request loads these three things. They were four reads
(the user through the ORM, the official, the roles, the device that verified the second factor),
each a round trip to the database; under load a round trip costs more than the query, because
the web worker waits for the database's process to be scheduled on a busy core. They all hang
off one user id, so one read with outer joins gives them (a row per role and device pair: an
official has one to three roles and one device).

Why it stays right: the rows are read on every request, as before; only the number of round
trips changes. The user comes back only through `access.backends.AccountBackend.get_user`,
which keeps Django's checks (an inactive user is refused; `django.contrib.auth.get_user` still
verifies the session's password hash). The official and the devices are handed on with the
user object, which lives for one request: `access.scope.official_of` and
`access.middleware.OTPMiddleware` use them instead of reading again, and read as before when
the user came from elsewhere (a citizen's session, a test's user object).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.contrib.auth import get_user_model
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from motcua.compiled_sql import Prepared
from org.models import Agency, Official, OfficialRole, OrgUnit

# Attributes set on a user loaded here; absent on users loaded any other way.
OFFICIAL_ATTRIBUTE = "_motcua_official"  # the active official, or None
DEVICES_ATTRIBUTE = "_motcua_totp_devices"  # {device id: TOTPDevice}


def attnames(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


User = get_user_model()
USER_FIELDS = attnames(User)
OFFICIAL_PARTS = [(m, attnames(m)) for m in (Official, OrgUnit, Agency)]
ROLE_FIELDS = attnames(OfficialRole)
DEVICE_FIELDS = attnames(TOTPDevice)
# The official's columns with its unit's and agency's, as `OFFICIAL_PARTS` orders them.
OFFICIAL_PATHS = [
    *attnames(Official),
    *[f"unit__{name}" for name in attnames(OrgUnit)],
    *[f"unit__agency__{name}" for name in attnames(Agency)],
]

IDENTITY_ROWS = Prepared(
    "access.identity",
    lambda user_id: (
        User.objects.filter(pk=user_id)
        .order_by("official__roles__pk", "totpdevice__pk")
        .values_list(
            *USER_FIELDS,
            *[f"official__{path}" for path in OFFICIAL_PATHS],
            *[f"official__roles__{name}" for name in ROLE_FIELDS],
            *[f"totpdevice__{name}" for name in DEVICE_FIELDS],
        )
    ),
    typed=True,
    user_id=-7_000_013,  # no user has this id (motcua.compiled_sql)
)


def user_with_official(user_id: int):
    """The user with this id, carrying its active official (or None) and its TOTP devices; or
    None when there is no such user."""
    rows = IDENTITY_ROWS.rows(user_id=user_id)
    if not rows:
        return None
    user = User.from_db(connection.alias, USER_FIELDS, rows[0][: len(USER_FIELDS)])
    official = _official(rows, user)
    setattr(user, OFFICIAL_ATTRIBUTE, official if official and official.is_active else None)
    setattr(user, DEVICES_ATTRIBUTE, _devices(rows, user))
    # What `user.official` answers without a query: the official, active or not, or "none".
    Official.user.field.remote_field.set_cached_value(user, official)
    return user


def _columns(rows: list[tuple], start: int, count: int) -> Iterator[tuple]:
    """Each distinct non-null slice of `count` columns from `start` (outer joins repeat
    them), in the rows' order."""
    seen: set = set()
    for row in rows:
        part = row[start : start + count]
        if part[0] is not None and part[0] not in seen:
            seen.add(part[0])
            yield part


def _official(rows: list[tuple], user) -> Official | None:
    start = len(USER_FIELDS)
    if rows[0][start] is None:
        return None
    parts = official_parts(rows[0][start:])
    start += len(OFFICIAL_PATHS)
    roles = [
        OfficialRole.from_db(connection.alias, ROLE_FIELDS, part)
        for part in _columns(rows, start, len(ROLE_FIELDS))
    ]
    return assemble(*parts, roles, user)


def official_parts(values) -> list:
    """The official, unit and agency instances from columns ordered as `OFFICIAL_PATHS`."""
    values = iter(values)
    return [
        model.from_db(connection.alias, names, [next(values) for _name in names])
        for model, names in OFFICIAL_PARTS
    ]


def _devices(rows: list[tuple], user) -> dict[int, TOTPDevice]:
    start = len(USER_FIELDS) + len(OFFICIAL_PATHS) + len(ROLE_FIELDS)
    devices = (
        TOTPDevice.from_db(connection.alias, DEVICE_FIELDS, part)
        for part in _columns(rows, start, len(DEVICE_FIELDS))
    )
    found = {}
    for device in devices:
        device.user = user
        found[device.pk] = device
    return found


def assemble(official, unit, agency, roles: list[OfficialRole], user) -> Official:
    """The official as `select_related("user", "unit__agency")` and
    `prefetch_related("roles")` leave it: no attribute of it reads the database again."""
    unit.agency = agency
    official.unit = unit
    official.user = user  # the user already loaded for this request: not read twice
    for role in roles:
        role.official = official
    held = official.roles.all()
    held._result_cache, held._prefetch_done = roles, True
    official._prefetched_objects_cache = {"roles": held}
    return official
