"""The ``autograder`` command's subcommands: the instructors' and the students'."""
