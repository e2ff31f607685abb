"""Grading: the one grading API (``api.py``), the pytest plugin that runs an assignment's
checks against sandboxed children, and the batch (workers, their pool, their records)."""
