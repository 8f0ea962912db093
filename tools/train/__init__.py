"""Training loops of the models (`glasses-agent train ...`): they import the runtime in glasses_agent, never the other way."""
