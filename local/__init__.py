"""Development runtime, never deployed: ``python -m local`` runs template.yaml on this machine.

The API Gateway HTTP API in front of the same handlers Lambda runs, an embedded DynamoDB/SQS/KMS (moto)
provisioned from the template, the sandbox CRMs, and on-demand triggers for the scheduled functions.
"""
