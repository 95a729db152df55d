"""Forms of the agent UI, one module per screen."""
