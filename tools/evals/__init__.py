"""Evaluations of the models (`glasses-agent eval ...`): frozen-feature probes, collapse, violation-of-expectation pairs."""
