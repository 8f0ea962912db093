"""Benchmarks (`glasses-agent bench WHAT`): each module returns a JSON-able dict of figures; the runtime never imports them."""
