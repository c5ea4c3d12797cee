"""The learner's command-line tool: start, check, hint, diff, catch-up, serve, verify."""
