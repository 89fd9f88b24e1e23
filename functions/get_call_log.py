"""GET /callLog"""

from appconnect.http import api_handler
from appconnect.operations.call_logs import get_call_log

handler = api_handler("getCallLog", get_call_log)
