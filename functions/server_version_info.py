"""GET /serverVersionInfo"""

from appconnect.http import api_handler
from appconnect.operations.health import server_version_info

handler = api_handler("serverVersionInfo", server_version_info)
