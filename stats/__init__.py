"""Summary counts of dossier handling, kept by the same transactions that move dossiers, and their
rebuild.
"""
