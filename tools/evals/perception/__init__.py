"""`glasses-agent eval perception`: the perception model judged in the agent's own tasks (issue 17)."""
