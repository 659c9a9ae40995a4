"""The electronic one-stop back office: reception, work queues, dossier pages and step actions for
officials.
"""
