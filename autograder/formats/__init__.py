"""Converters from the raw pytest-json-report record to the formats instructors hand on."""
