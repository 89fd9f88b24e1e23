"""``make load``: Locust against the local stack, the four connectors mixed (docs/reliability.md, "Load")."""
