"""PUT /callDisposition"""

from appconnect.http import api_handler
from appconnect.operations.call_logs import upsert_call_disposition

handler = api_handler("upsertCallDisposition", upsert_call_disposition)
