"""API tests talk real HTTP to the local stack; its fixtures (``local_stack``, ``api_url`` ...) are in
``tests/conftest.py`` and its plumbing in ``tests/stack.py``."""
