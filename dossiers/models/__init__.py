"""Dossier models: applicants, dossiers, files, the work on them, and the event log."""

from dossiers.models.applicants import Applicant
from dossiers.models.documents import Document
from dossiers.models.dossier import Dossier, DossierCounter
from dossiers.models.events import Event
from dossiers.models.work import (
    ApologyLetter,
    Consultation,
    Pause,
    Result,
    StepRun,
    SupplementRequest,
)

__all__ = [
    "ApologyLetter",
    "Applicant",
    "Consultation",
    "Document",
    "Dossier",
    "DossierCounter",
    "Event",
    "Pause",
    "Result",
    "StepRun",
    "SupplementRequest",
]
