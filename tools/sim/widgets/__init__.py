"""The simulator's panes, one widget a module."""
