"""Login, logout and session checks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from appconnect import hashing, oauth, ringcentral, session, users
from appconnect.connector import Connector, ReturnMessage, UnknownPlatform, get_connector
from appconnect.connector.client import allowed_host
from appconnect.context import authenticate, best_effort, connector_for, load_user
from appconnect.errors import (
    ApiError,
    AuthorizationRequired,
    BadRequest,
    JsonBadRequest,
    details,
    return_message,
)
from appconnect.http import Request, Response, text
from appconnect.models import UserModel

if TYPE_CHECKING:
    from appconnect.connector import PlatformUser


def _connector(platform: str) -> Connector:
    try:
        return get_connector(platform)
    except UnknownPlatform as error:
        raise JsonBadRequest(str(error)) from error


def _platform_and_hostname(request: Request, callback_uri: str) -> tuple[str, str]:
    in_callback = parse_qs(urlsplit(callback_uri).query).get("state", [None])[0]
    in_query = request.param("state")
    if in_callback and in_query and parse_qs(unquote(in_callback)) != parse_qs(unquote(in_query)):
        # the state the CRM redirected with is the one the flow started with; two that differ mean the
        # callback URL was spliced from another flow
        raise JsonBadRequest("The OAuth state does not match the callback. Please connect again.")
    state = in_callback or in_query or ""
    state_params = parse_qs(unquote(state))
    platform = (state_params.get("platform") or [""])[0]
    if not platform and "platform=" in callback_uri:
        # legacy clients put platform=... in the callback itself; take the value only (the reference kept
        # everything after it)
        platform = parse_qs(callback_uri.split("?", 1)[-1]).get("platform", [""])[0]
    hostname = request.param("hostname") or (state_params.get("hostname") or [""])[0]
    return platform, hostname


def _rc_account(request: Request) -> tuple[str | None, str | None]:
    """(raw, hashed) RingCentral account id, only when RingCentral itself vouches for it."""
    token = request.rc_access_token()
    if not token:
        return None, None
    who = ringcentral.identity(token)
    return who.account_id, hashing.hash_id(who.account_id)


def _login_answer(model: UserModel, platform: str, name: str, return_message: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "jwtToken": session.issue(model.id, platform, generation=int(model.session_generation or 0)),
        "name": name,
    }
    if return_message is not None:
        answer["returnMessage"] = return_message
    return answer


#: never kept in a user's platformAdditionalInfo: credentials are stored encrypted, as the access token
_SECRET_INFO_KEYS = frozenset({"apiKey", "password"})


def _rehome_refused(connector: Connector) -> dict[str, Any]:
    name = connector.display_name
    return {
        "returnMessage": return_message(
            "Already connected from another address",
            "warning",
            details=details(
                f"This {name} user is already connected to App Connect through another "
                f"{name} address. Please log out of {name} in App Connect's settings first, "
                "then connect again."
            ),
        )
    }


def _finish_login(
    request: Request,
    connector: Connector,
    hostname: str,
    info: PlatformUser,
    message: ReturnMessage | None,
    tokens: oauth.Tokens,
    rc_account: tuple[str | None, str | None],
    *,
    refused_status: int,
) -> Response | dict[str, Any]:
    """Save the user a connector's successful ``get_user_info`` described, and answer with a JWT.

    A user connected through another CRM address is refused (``refused_status``) and nothing is saved."""
    additional = dict(info.additional_info)
    platform = connector.platform
    login = users.Login(
        user_id=str(info.id),
        platform=platform,
        name=info.name,
        # the host the user typed goes through the outbound-URL policy too: it is stored and shown back
        hostname=info.overriding_hostname
        or (allowed_host(hostname, connector.allowed_hosts(), platform) if hostname else ""),
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        token_expiry=tokens.expires_at,
        timezone_name=info.timezone_name,
        timezone_offset=info.timezone_offset,
        platform_additional_info={k: v for k, v in additional.items() if k not in _SECRET_INFO_KEYS},
        rc_account_id=rc_account[0],
        hashed_rc_account_id=rc_account[1],
        hashed_rc_extension_id=request.headers.get("rc-extension-id") or None,
        session=info.session,
    )
    try:
        model = users.save_login(
            login, lambda host, extra: connector.api_home(hostname=host, additional_info=extra)
        )
    except users.LoginWouldRehome:
        return Response(body=_rehome_refused(connector), status=refused_status)
    return _login_answer(model, platform, info.name, message)


def oauth_callback(request: Request) -> Response | dict[str, Any]:
    """GET /oauth-callback: exchange the CRM's authorization code, save the user, issue a JWT."""
    callback_uri = request.param("callbackUri")
    if not callback_uri or callback_uri == "undefined":
        code = request.param("code")
        if not code:
            raise BadRequest("Missing callbackUri")
        callback_uri = f"{request.server_url}/oauth-callback?{urlencode({'code': code})}"
    platform, hostname = _platform_and_hostname(request, callback_uri)
    if not platform:
        raise BadRequest("Missing platform name")
    if "code=" not in callback_uri and request.param("code"):
        joiner = "&" if "?" in callback_uri else "?"
        callback_uri = f"{callback_uri}{joiner}{urlencode({'code': request.param('code')})}"
    connector = _connector(platform)
    token_url = request.param("tokenUrl") or ""
    api_url = request.param("apiUrl") or ""
    rc_account = _rc_account(request)
    # a failed exchange or lookup is a CrmError: the handler answers it 400 {"error"} (crm_failure_answer)
    info = connector.get_oauth_info(
        hostname=hostname, token_url=token_url, api_url=api_url, server_url=request.server_url
    )
    code = oauth.code_from_callback(callback_uri, info.redirect_uri)
    tokens = oauth.exchange_code(info, platform, code)
    from appconnect.connector import LoginRequest  # the login types: loaded with the connector already

    login = LoginRequest(
        hostname=hostname,
        token_url=token_url,
        api_url=api_url,
        username=request.param("username") or "",
        token_response=tokens.raw,
        access_token=tokens.access_token,
    )
    result = connector.get_user_info(auth_header=f"Bearer {tokens.access_token}", request=login)
    if result.user is None:
        return {"returnMessage": result.message}
    return _finish_login(
        request, connector, hostname, result.user, result.message, tokens, rc_account, refused_status=200
    )


def api_key_login(request: Request) -> Response | dict[str, Any]:
    """POST /apiKeyLogin: check an API key (or CRM credentials) with the CRM, save the user, issue a JWT."""
    body = request.json_body()
    platform = body.get("platform")
    if not isinstance(platform, str) or not platform:
        raise BadRequest("Missing platform name")
    connector = _connector(platform)
    if connector.get_auth_type() != "apiKey":
        raise JsonBadRequest(f"{platform} signs in with OAuth, not an API key.")  # the reference's {"error"}
    raw_additional = body.get("additionalInfo")
    additional: dict[str, Any] = dict(raw_additional) if isinstance(raw_additional, dict) else {}
    api_key = additional.get("apiKey") or body.get("apiKey") or ""
    if api_key and "apiKey" not in additional:
        additional = {**additional, "apiKey": api_key}
    hostname = str(body.get("hostname") or "")
    rc_account = _rc_account(request)
    from appconnect.connector import LoginRequest  # the login types: loaded with the connector already

    result = connector.get_user_info(
        auth_header=f"Basic {connector.get_basic_auth(api_key=str(api_key))}",
        request=LoginRequest(hostname=hostname, additional_info=additional, api_key=str(api_key)),
    )
    if result.user is None:
        return Response(body={"returnMessage": result.message}, status=400)
    api_key = result.user.overriding_api_key or str(api_key)
    credentials = oauth.Tokens(access_token=api_key, refresh_token=None, expires_at=None)
    return _finish_login(
        request, connector, hostname, result.user, result.message, credentials, rc_account, refused_status=400
    )


def unauthorize(request: Request) -> Response | dict[str, Any]:
    """POST /unAuthorize: revoke at the CRM (best effort), forget the credentials, end every JWT of the user.

    The logout itself never fails on the CRM's account: a revoke or a token refresh that fails is
    reported in the message, and the credentials are forgotten and the sessions ended all the same.
    """
    loaded = load_user(request)
    connector = connector_for(loaded[0])

    def revoke() -> Any:
        context = authenticate(request, loaded)
        return context.call(context.connector.unauthorize)

    try:
        message, failure = best_effort(revoke, "crm revoke at logout")
    finally:
        users.forget_credentials(loaded[1].id)
    if failure is not None:
        name = connector.display_name
        message = return_message(
            f"Logged out of {name}",
            "warning",
            details=details(
                f"App Connect has forgotten your {name} credentials, but {name} did not confirm that it "
                f"revoked them. To be sure, remove App Connect's access in your {name} account settings."
            ),
        )
    return message if message is not None else Response(body="")


def auth_validation(request: Request) -> dict[str, Any]:
    """GET /authValidation: is the stored CRM session still usable? (A token refresh proves it for OAuth.)"""
    context = authenticate(request)  # a user that is gone: {"successful": false} (appconnect.route_auth)
    if type(context.connector).implements("authValidation"):
        # a CRM with sessions of its own checks one (a dead session is renewed once, then re-checked)
        result = context.call(context.connector.validate_session)
        answer: dict[str, Any] = {"successful": result.successful}
        if result.message is not None:
            answer["returnMessage"] = result.message
        return answer
    context.save_connector_changes()
    return {"successful": True}


def hostname(request: Request) -> Response:
    """GET /hostname: the CRM host of the caller."""
    _session, model = load_user(request)
    return text(model.hostname or "")


def user_info_hash(request: Request) -> dict[str, str]:
    """GET /userInfoHash: the keyed hashes the extension sends back as rc-extension-id / rc-account-id.

    Only for the caller's own ids (the reference hashed anything for anyone): the caller shows a
    RingCentral token, whose account and extension must be the ones asked about, or an App Connect JWT,
    whose user must have logged in with that RingCentral account.
    """
    extension_id, account_id = request.param("extensionId"), request.param("accountId")
    if extension_id is None or account_id is None:
        raise BadRequest("Please provide extensionId and accountId.")
    rc_token = request.rc_access_token()
    if rc_token:
        who = ringcentral.identity(rc_token)
        own = (who.account_id, who.extension_id) == (account_id, extension_id)
    elif request.session is not None:
        _session, model = load_user(request)
        own = bool(model.rc_account_id) and model.rc_account_id == account_id
    else:
        raise AuthorizationRequired()
    if not own:
        raise ApiError(
            "You can only get the hashes of your own RingCentral account and extension.", status=403
        )
    return {"extensionId": hashing.hash_id(extension_id), "accountId": hashing.hash_id(account_id)}
