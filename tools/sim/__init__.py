"""`glasses-agent sim`: the Textual terminal simulator, the developers' window into the agent.

    drivers.py     where TickContexts come from: the live agent over a source, or a recorded trace
    controller.py  the session clock: play, pause, step, speed, seek; stream health
    view.py        one tick as the panes need it (image, mel strip, HUD prompt, health)
    app.py         the Textual app: layout, keys, screens; widgets/ holds one pane a module
"""
