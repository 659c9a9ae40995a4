"""Views of the account pages: thin (parse, authorise, call a service, render)."""
