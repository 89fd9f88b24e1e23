"""SQS worker: refreshes the CRM tokens of the queued users.

Implemented in the token-refresh issue; until then it fails loudly.
"""

from appconnect.scheduled import not_implemented

handler = not_implemented("tokenRefreshWorker")
