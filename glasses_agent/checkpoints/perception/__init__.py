"""The default perception checkpoint: perception.safetensors + config.json (see README for the command that reproduces it)."""
