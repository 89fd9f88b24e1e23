"""GET /hostname"""

from appconnect.http import api_handler
from appconnect.operations.auth import hostname

handler = api_handler("hostname", hostname)
