"""The default world-model checkpoint: world.safetensors + config.json (`glasses-agent train world --out glasses_agent/checkpoints/world`)."""
