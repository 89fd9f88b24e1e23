"""Routes a CRM's app lifecycle needs (Pipedrive: the app's redirect page and its uninstall webhook).

The core knows nothing of the CRM: the connector renders the page and authenticates the webhook; the
core forgets the user.
"""

from __future__ import annotations

from appconnect import users
from appconnect.connector import get_connector
from appconnect.context import best_effort
from appconnect.errors import BadRequest
from appconnect.http import Operation, Request, Response, text


def app_page(platform: str) -> Operation:
    def page(request: Request) -> Response:
        connector = get_connector(platform)
        return text(connector.app_page(query=request.query, server_url=request.server_url))

    return page


def uninstall_webhook(platform: str) -> Operation:
    def uninstall(request: Request) -> Response:
        connector = get_connector(platform)
        try:
            body = request.json_body()
        except BadRequest:
            body = {}  # the connector checks the caller first: an unauthenticated caller gets 401, not 400
        user_id = connector.uninstalled_user_id(headers=request.headers, body=body)
        model = users.load(user_id)
        if model is not None and model.platform == platform:
            # Uninstalling the app already invalidates its tokens at the CRM; forgetting the user matters
            # more than a failed courtesy revoke.
            user = users.to_crm_user(model)
            best_effort(
                lambda: connector.unauthorize(user=user, auth_header=connector.authorization(user)),
                "revoke at uninstall",
            )
            model.delete(add_version_condition=False)  # gone, whatever changed since we read it
        return text("User deleted")

    return uninstall
