"""The instructors' tools, never in a student release: Gradescope, nbgrader courses,
rosters and Canvas, the class report, the answer key, authoring helpers and the release."""
