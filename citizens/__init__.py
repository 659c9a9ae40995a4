"""Citizen and business accounts of the public portal: sign-up, sign-in (local or OpenID Connect),
profile.
"""
