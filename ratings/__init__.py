"""Citizens' satisfaction ratings of a dossier's handling, online or at a counter kiosk."""
