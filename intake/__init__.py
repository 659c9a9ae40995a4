"""The API that upstream portals push dossiers through (token, HMAC signature, idempotent), and the
record of status changes to push back.
"""
