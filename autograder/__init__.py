"""Sandboxed autograder for the backpropagation course kit."""
