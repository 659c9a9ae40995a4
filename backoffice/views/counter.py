"""Back-office views: counter (being built)."""
