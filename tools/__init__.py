"""The top layer: the `glasses-agent` command line, the Textual simulator, developer tools."""
