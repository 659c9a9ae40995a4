"""Officials' sign-in with a second factor, who may see and act on which dossier, and the log of who
read whose personal data.
"""
