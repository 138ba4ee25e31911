"""The console: a study channel in the terminal (no tokens, no network); you are its member and admin."""
