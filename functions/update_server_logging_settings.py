"""POST /admin/serverLoggingSettings"""

from appconnect.http import api_handler
from appconnect.operations.server_logging import update_server_logging_settings

handler = api_handler("updateServerLoggingSettings", update_server_logging_settings)
