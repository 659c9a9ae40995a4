"""The service index of Decision 766/QĐ-TTg computed from live data, per agency, level and
province.
"""
