"""GET /releaseNotes"""

from appconnect.http import api_handler
from appconnect.operations.health import release_notes

handler = api_handler("releaseNotes", release_notes)
