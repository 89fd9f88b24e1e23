"""POST /messageLog"""

from appconnect.http import api_handler
from appconnect.operations.message_logs import create_message_log

handler = api_handler("createMessageLog", create_message_log)
