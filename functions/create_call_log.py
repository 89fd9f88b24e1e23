"""POST /callLog"""

from appconnect.http import api_handler
from appconnect.operations.call_logs import create_call_log

handler = api_handler("createCallLog", create_call_log)
