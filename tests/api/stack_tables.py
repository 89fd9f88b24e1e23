"""Reading and seeding the local stack's DynamoDB tables directly, as an operator with AWS access would."""

from __future__ import annotations

from typing import Any

import boto3


def stack_table(dynamodb_url: str, suffix: str) -> tuple[Any, str]:
    """A DynamoDB client of the stack's embedded DynamoDB and the name of its table ending in ``suffix``."""
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=dynamodb_url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    table = next(name for name in dynamodb.list_tables()["TableNames"] if name.endswith(suffix))
    return dynamodb, table


def raw_user(dynamodb_url: str, user_id: str) -> dict[str, Any]:
    """The user's item exactly as stored (attribute-value maps, ciphertexts included)."""
    dynamodb, table = stack_table(dynamodb_url, "UsersTable")
    item: dict[str, Any] = dynamodb.get_item(
        TableName=table, Key={"id": {"S": user_id}}, ConsistentRead=True
    )["Item"]
    return item
