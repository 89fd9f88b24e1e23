"""EventBridge schedule: queues the users whose CRM tokens expire soon (appconnect.scheduled)."""

from appconnect.scheduled import scheduler_handler

handler = scheduler_handler
