"""Views of the online application and the citizen's dossiers: thin (parse, authorise, call a
service, render)."""
