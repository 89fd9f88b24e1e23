"""POST /callLog/cacheNote"""

from appconnect.http import api_handler
from appconnect.operations.call_logs import cache_call_note

handler = api_handler("cacheCallNote", cache_call_note)
