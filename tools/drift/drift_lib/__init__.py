"""drift_lib: the parts of the unicron drift runner (tools/drift/drift.py). See
docs/guides/drift-detection.md for the command, the report schema and the exit codes."""
