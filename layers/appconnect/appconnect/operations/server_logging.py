"""``/admin/serverLoggingSettings``: the account an admin sets up for server-side logging (Bullhorn's
service account, signed in with its username and password).

Unlike the reference, both routes check with RingCentral that the caller is an admin (the reference
needed only a JWT), the password is stored encrypted and never answered back, and an update that
RingCentral or the CRM refuses changes nothing.
"""

from __future__ import annotations

from typing import Any

from appconnect import users
from appconnect.admin_auth import require_admin
from appconnect.context import authenticate, connector_for, load_user
from appconnect.errors import BadRequest, CrmAuthError, CrmBadRequest, return_message
from appconnect.http import Request
from appconnect.observability import logger

UPDATE_FAILED = "Server logging settings update failed. Please check your username and password."


def get_server_logging_settings(request: Request) -> dict[str, Any]:
    """GET: the fields as the admin set them, the password never included."""
    session, model = load_user(request)
    require_admin(request, model)
    connector = connector_for(session)
    return connector.server_logging_settings(user=users.to_crm_user(model))


def update_server_logging_settings(request: Request) -> dict[str, Any]:
    """POST ``{additionalFieldValues: {apiUsername, apiPassword}}``: sign the service account in and make
    its session the caller's; both fields empty clears them."""
    loaded = load_user(request)
    require_admin(request, loaded[1])
    values = request.json_body().get("additionalFieldValues")
    if not isinstance(values, dict):
        raise BadRequest("Missing additionalFieldValues")
    connector = connector_for(loaded[0])
    if not type(connector).implements("serverLoggingSettings"):
        return {}
    context = authenticate(request, loaded)
    if not any(str(v or "").strip() for v in values.values()):
        users.forget_secrets(context.model.id)
        return {
            "successful": True,
            "returnMessage": return_message("Server logging settings cleared", "success"),
        }
    try:
        signed_in = connector.service_login(user=context.user, values=values)
    except (CrmAuthError, CrmBadRequest) as error:
        logger.info("service account sign-in refused", extra={"error": type(error).__name__})
        return {"successful": False, "returnMessage": return_message(UPDATE_FAILED, "warning", 10000)}
    users.store_service_login(
        context.model.id, signed_in, generation=int(context.model.session_generation or 0)
    )
    return {"successful": True, "returnMessage": return_message("Server logging settings updated", "success")}
