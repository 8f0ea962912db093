"""The reference emulator's deliberate protocol violations (`glasses-agent device --fault NAME`),
each failing the conformance kit's items it breaks. A module of its own so the CLI lists them
without importing the emulator."""

FAULTS = {
    "no_will": "connects without a last will (the agent never hears of an unclean drop)",
    "no_time_sync": "never does the time exchange: stamps stay on the device's own clock",
    "seq_repeat": "repeats sequence numbers instead of counting up",
    "bad_audio": "sends audio chunks with an odd number of bytes",
    "slow_ack": "acks prompts 2 s after receiving them",
    "shows_expired": "shows and acks prompts that have already expired",
    "fresh_session": "reconnects with a clean session (prompts queued while offline are lost)",
    "ignores_errors": "does not redo the time exchange after clock_unsynced",
}
