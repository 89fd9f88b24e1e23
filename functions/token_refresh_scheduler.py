"""EventBridge schedule: queues users whose CRM tokens expire soon.

Implemented in the token-refresh issue; until then it fails loudly.
"""

from appconnect.scheduled import not_implemented

handler = not_implemented("tokenRefreshScheduler")
