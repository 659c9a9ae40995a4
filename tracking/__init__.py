"""Public tracking of a dossier by its code, with personal data masked."""
