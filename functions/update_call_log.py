"""PATCH /callLog"""

from appconnect.http import api_handler
from appconnect.operations.call_logs import update_call_log

handler = api_handler("updateCallLog", update_call_log)
