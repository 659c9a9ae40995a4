"""Conditions written so that the database can read a partial index.

A unique index that leaves blank values out (`condition=~Q(field="")`: many rows have no tax
code, no OIDC subject, no address) serves a query only when the query's WHERE implies that
condition. Django binds every value as a parameter, and a database cannot tell a bound value
is not blank: SQLite never reads such an index for `field = ?`, and PostgreSQL does not in the
generic plan of a prepared statement, nor for an IN list of over 100 values. The query then
reads the whole table: 10 ms of every online submission at 200,000 dossiers on SQLite, for
the applicant. Repeating the index's own condition with the blank as a literal, which
Django writes into the SQL as it is, lets both databases match the index.
"""

from __future__ import annotations

from django.db.models import Q
from django.db.models.expressions import RawSQL


def not_blank(field: str) -> Q:
    """`field` is not '' (the condition of the partial indexes on it), as a literal."""
    return ~Q(**{field: RawSQL("''", ())})
