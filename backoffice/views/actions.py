"""Back-office views: actions (being built)."""
