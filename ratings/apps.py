from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "ratings"

    def ready(self) -> None:
        """Ratings count in the statistics: `stats_rebuild` recomputes them from here."""
        from ratings.counting import rebuild_source
        from stats.rebuild import RATING_SOURCES

        if rebuild_source not in RATING_SOURCES:
            RATING_SOURCES.append(rebuild_source)
