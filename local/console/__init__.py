"""The local console: every connector tried in a browser, with no extension and no CRM account.

``make run`` serves it at ``http://127.0.0.1:3000/__local/console/`` (local stack only, never deployed). The
page plays the App Connect extension's part over the public API, against the sandbox CRMs, and shows beside
each step the HTTP exchange (secrets masked) and the CRM record as the sandbox now holds it. See
:mod:`local.console.app` for what the local stack serves it and ``static/console.js`` for the client.
"""

from local.console.app import PREFIX, Console

__all__ = ["PREFIX", "Console"]
