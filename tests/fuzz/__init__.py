"""Fuzzing runs against a live server: every GraphQL root field, and the browser's addresses."""
