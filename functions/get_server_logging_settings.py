"""GET /admin/serverLoggingSettings"""

from appconnect.http import api_handler
from appconnect.operations.server_logging import get_server_logging_settings

handler = api_handler("getServerLoggingSettings", get_server_logging_settings)
