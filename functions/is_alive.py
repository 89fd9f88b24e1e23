"""GET /isAlive"""

from appconnect.http import api_handler
from appconnect.operations.health import is_alive

handler = api_handler("isAlive", is_alive)
