"""How real glasses talk to the agent: the MQTT protocol, the bridge, the reference device emulator."""
