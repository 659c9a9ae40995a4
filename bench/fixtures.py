"""What the loads need from the prepared database: request paths that vary (codes, primary
keys, summary keys), signed-in sessions of an official and an overseer, and the body of an
online submission. Runs in the bench driver after django.setup()."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db.models import Count, Max, Min, QuerySet
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from dossiers.models import Dossier, DossierCounter, StepRun
from org.models import Official, Role

SAMPLE = 2000  # distinct rows each varying load walks through


@dataclass
class Fixtures:
    """Paths files by load name, Cookie headers, the submission body and its boundary."""

    folder: Path
    paths: dict[str, Path] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    body: Path | None = None
    boundary: str = ""
    notes: dict[str, str] = field(default_factory=dict)

    def write_paths(self, name: str, lines: list[str]) -> Path:
        path = self.folder / f"{name}.paths"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        self.paths[name] = path
        return path


def sample_rows(qs: QuerySet, fields: tuple[str, ...], k: int, rng: random.Random) -> list:
    """About k rows picked at random by primary key (no ORDER BY random() over millions)."""
    bounds = qs.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return []
    span = range(bounds["lo"], bounds["hi"] + 1)
    picked = rng.sample(span, min(len(span), 2 * k))
    return list(qs.filter(pk__in=picked).values_list(*fields))[:k]


def signed_in_cookie(official: Official) -> str:
    """A session row for `official` with the second factor passed, as the sign-in would leave
    it (tests/signin.py does the same through the test client)."""
    user = official.user
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "access.backends.AccountBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def busiest_official() -> tuple[Official, int]:
    """The official with the most unfinished steps: the longest queue to page through."""
    row = (
        StepRun.objects.filter(finished_at__isnull=True, assignee__isnull=False)
        .values("assignee")
        .annotate(n=Count("pk"))
        .order_by("-n", "assignee")
        .first()
    )
    if row is None:
        raise LookupError("no official holds an open step: generate dossiers first")
    return Official.objects.select_related("user").get(pk=row["assignee"]), row["n"]


def overseer() -> Official | None:
    return (
        Official.objects.filter(roles__role=Role.OVERSEER, is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )


SMALL_PDF = b"%PDF-1.4\n%bench\n" + b"0" * 10_000 + b"\n%%EOF\n"  # about 10 KB


def submission_body(procedure_pk: int, agency_pk: int, boundary: str) -> bytes:
    """A multipart body of the online application: applicant, procedure, centre, one file.
    The personal ID ends with "@SERIAL@", which load.lua makes unique per request."""
    fields = {
        "procedure": str(procedure_pk), "agency": str(agency_pk),
        "name": "Nguyễn Văn Thử", "personal_id": "095085@SERIAL@",
        "email": "nguoinop@example.test",
    }  # fmt: skip
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="don.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode()
        + SMALL_PDF
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


def build(folder: Path, seed: int = 2026) -> Fixtures:
    """Everything the loads read, written under `folder`."""
    rng = random.Random(seed)
    fx = Fixtures(folder=folder)
    dossiers = sample_rows(Dossier.objects.all(), ("pk", "code"), SAMPLE, rng)
    fx.write_paths("f0", ["/bench/f0/"])
    fx.write_paths("f1", [f"/bench/f1/{pk}/" for pk, _code in dossiers])
    counters = sample_rows(DossierCounter.objects.all(), ("agency_id", "day"), SAMPLE, rng)
    fx.write_paths("f2", [f"/bench/f2/{a}/{day.isoformat()}/" for a, day in counters])
    fx.write_paths("tracking", [f"/tra-cuu/?ma={code}" for _pk, code in dossiers])
    official, open_steps = busiest_official()
    fx.cookies["official"] = signed_in_cookie(official)
    fx.notes["official"] = f"{official.user.username} ({open_steps} open steps)"
    if (watcher := overseer()) is not None:
        fx.cookies["overseer"] = signed_in_cookie(watcher)
        fx.notes["overseer"] = watcher.user.username
    return fx


def add_submission(fx: Fixtures, procedure_pk: int, agency_pk: int) -> None:
    fx.boundary = f"bench{secrets.token_hex(8)}"
    fx.body = fx.folder / "submission.body"
    fx.body.write_bytes(submission_body(procedure_pk, agency_pk, fx.boundary))
    fx.write_paths("submit", ["/bench/nop/"])
