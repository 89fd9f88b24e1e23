"""SQS worker: refreshes the CRM tokens of the queued users (appconnect.scheduled)."""

from appconnect.scheduled import worker_handler

handler = worker_handler
