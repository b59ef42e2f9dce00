"""Pure rules of changeway: no I/O, no framework."""
