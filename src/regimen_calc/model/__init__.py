"""The model: a regimen and its components, a patient, and parsed dose and day specifications.

Plain attrs classes; the one upward reach is :meth:`Regimen.schedule`, a documented convenience
that calls the engine.
"""
