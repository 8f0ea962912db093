"""The mind: perception (multimodal JEPA), world model, memory, actor, critic, configurator.

Knows the `streams` substrate; never imports MQTT or Textual.
"""
