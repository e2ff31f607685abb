"""What runs on the student's side: ``check()`` in a notebook and nbgrader's test cells."""
