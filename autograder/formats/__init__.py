"""Writers of the one result model (``autograder/core/results.py``): each takes StudentResults
or CheckResults and writes one format (Gradescope results.json and feedback.md, the check
tables, GitHub Classroom's reporter JSON, grades.csv)."""
