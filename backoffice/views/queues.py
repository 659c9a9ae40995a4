"""Back-office views: queues (being built)."""
