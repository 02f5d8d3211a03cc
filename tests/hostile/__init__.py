"""The hostile-input corpus (issue 8), built in code: see corpus.py."""
