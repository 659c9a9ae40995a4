"""The service index of Decision 766/QĐ-TTg (Bộ chỉ số phục vụ người dân, doanh nghiệp),
computed from live data per agency, per administrative level and for the province.

Groups and points as operated (domain-rules.md, "Service index"): transparency 18, progress 20,
online service 12, online payment 10, digitisation 22, satisfaction 18; a ratio at or above its
target earns the component's points, otherwise ratio x points / target.

- `components`: every component, its formula text, target and measure; those the system cannot
  measure say why (no feedback, ratings, payments or national synchronisation yet).
- `gathering`: the inputs per agency, from the summary tables of `stats` (a period's day rows,
  and the backlog at the day open dossiers are judged) and from the catalogue.
- `compute`: figures, group totals, score and grade of a scope; rankings; levels.
- `drilldown`: the dossiers (or procedures) behind each figure, as querysets.
- `conf`: the settings (grade thresholds, points, targets).

The on-time rule: a dossier is judged against its legal due moment (waits for a supplement or a
payment excluded, apologies ignored, more than one supplement request = late); an open dossier
is judged at the end of the period (stats.judging, docs/statistics.md).
"""
