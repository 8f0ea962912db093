"""The CLI's command families, one module each with `register(subparsers)`; shared helpers in common.py."""
