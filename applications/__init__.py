"""Online applications from the public portal: drafts, components, submission, online supplements,
the personal document store.
"""
