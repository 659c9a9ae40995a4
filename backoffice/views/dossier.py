"""Back-office views: dossier (being built)."""
