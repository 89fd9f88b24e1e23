"""Sandbox RingCentral: the few platform endpoints the server calls (the current extension, the account)
and an OAuth server that issues the Bearer tokens those endpoints accept.
"""

from __future__ import annotations

from typing import Any, ClassVar

from local.sandbox.core import (
    BadRequestBody,
    HttpError,
    Ids,
    JsonDict,
    RateState,
    Request,
    Response,
    Sandbox,
    Tokens,
    as_int,
    copy_json,
    with_query,
)
from local.sandbox.oauth import OAuthError, OAuthServer

CLIENT_ID = "sandbox-rc-client"
CLIENT_SECRET = "sandbox-rc-secret"

ACCOUNTS: list[JsonDict] = [
    {"id": 37439510, "name": "Sandbox Realty Ltd", "mainNumber": "+16505550100", "status": "Confirmed"},
    {"id": 40960001, "name": "Other Company Inc", "mainNumber": "+16505550200", "status": "Confirmed"},
]

EXTENSIONS: list[JsonDict] = [
    {
        "id": 62264425008,
        "accountId": 37439510,
        "extensionNumber": "101",
        "firstName": "Jordan",
        "lastName": "Lee",
        "email": "jordan.lee@sandbox.example",
        "admin": True,
        "password": "sandbox-password",
    },
    {
        "id": 62264425009,
        "accountId": 37439510,
        "extensionNumber": "102",
        "firstName": "Riley",
        "lastName": "Chen",
        "email": "riley.chen@sandbox.example",
        "admin": False,
        "password": "sandbox-password",
    },
    {
        "id": 62264425010,
        "accountId": 37439510,
        "extensionNumber": "103",
        "firstName": "Morgan",
        "lastName": "Diaz",
        "email": "morgan.diaz@sandbox.example",
        "admin": False,
        "password": "sandbox-password",
    },
    {
        "id": 71100000001,
        "accountId": 40960001,
        "extensionNumber": "101",
        "firstName": "Sam",
        "lastName": "Ortiz",
        "email": "sam.ortiz@other.example",
        "admin": True,
        "password": "sandbox-password",
    },
]


def _rc_error(status: int, code: str, message: str, sub_code: str | None = None, **extra: Any) -> Response:
    error: JsonDict = {"errorCode": sub_code or code, "message": message}
    error.update(extra)
    return Response.json(status, {"errorCode": code, "message": message, "errors": [error]})


class RingCentralSandbox(Sandbox):
    name = "ringcentral"
    default_rate_limit = (1000, 60.0)
    default_config: ClassVar[JsonDict] = {
        "access_ttl": 3600,
        "refresh_ttl": 604800,
        "refresh_token_rotation": "rotate",
    }

    def __init__(self) -> None:
        self.ids = Ids({"extension": 62264425100})
        self.tokens = Tokens(self.name)
        self.accounts: dict[int, JsonDict] = {}
        self.extensions: dict[int, JsonDict] = {}
        self.oauth: OAuthServer | None = None
        super().__init__()

    # -- state ---------------------------------------------------------------------------------------------
    def clear_state(self) -> None:
        self.ids.reset()
        self.tokens.reset()
        self.accounts = {}
        self.extensions = {}
        self.oauth = OAuthServer(
            self.tokens,
            self.clock,
            access_ttl=int(self.config["access_ttl"]),
            refresh_ttl=int(self.config["refresh_ttl"]),
            scope="ReadAccounts",
        )

    def load_default_state(self) -> None:
        self.seed({"accounts": copy_json(ACCOUNTS), "extensions": copy_json(EXTENSIONS)})
        self.auth.add_client(CLIENT_ID, CLIENT_SECRET)

    @property
    def auth(self) -> OAuthServer:
        assert self.oauth is not None
        return self.oauth

    def configure(self, updates: JsonDict) -> JsonDict:
        result = super().configure(updates)
        self.auth.access_ttl = int(self.config["access_ttl"])
        self.auth.refresh_ttl = int(self.config["refresh_ttl"])
        self.auth.rotation = str(self.config["refresh_token_rotation"])
        return result

    def seed(self, data: JsonDict) -> JsonDict:
        assigned: JsonDict = {}
        for account in data.get("accounts", []):
            account_id = as_int(account.get("id"))
            if account_id is None:
                raise BadRequestBody("every account needs a numeric 'id'")
            self.accounts[account_id] = {
                "id": account_id,
                "name": account.get("name", f"Account {account_id}"),
                "mainNumber": account.get("mainNumber", ""),
                "status": account.get("status", "Confirmed"),
            }
            assigned.setdefault("accounts", []).append(account_id)
        for extension in data.get("extensions", []):
            record = dict(extension)
            ext_id = as_int(record.get("id"))
            if ext_id is None:
                ext_id = self.ids.next("extension")
            else:
                self.ids.bump_past("extension", ext_id)
            account_id = as_int(record.get("accountId"))
            if account_id is None or account_id not in self.accounts:
                raise BadRequestBody(f"extension {ext_id}: 'accountId' must name a seeded account")
            record["id"] = ext_id
            record["accountId"] = account_id
            record.setdefault("extensionNumber", str(ext_id)[-3:])
            record.setdefault("firstName", "Sandbox")
            record.setdefault("lastName", f"User {ext_id}")
            record.setdefault("email", f"user{ext_id}@sandbox.example")
            record["admin"] = bool(record.get("admin", False))
            record.setdefault("password", "sandbox-password")
            self.extensions[ext_id] = record
            assigned.setdefault("extensions", []).append(ext_id)
        for client in data.get("clients", []):
            self.auth.add_client(client["client_id"], client["client_secret"], client.get("redirect_uris"))
            assigned.setdefault("clients", []).append(client["client_id"])
        return assigned

    def dump(self, collection: str | None) -> JsonDict:
        state: JsonDict = {
            "accounts": list(self.accounts.values()),
            "extensions": [self._extension_info(e, "") for e in self.extensions.values()],
            "oauth": self.auth.describe(),
        }
        return {collection: state.get(collection)} if collection else state

    def mint(self, spec: JsonDict) -> JsonDict:
        ext_id = as_int(spec.get("extension_id"))
        if ext_id is None or ext_id not in self.extensions:
            raise BadRequestBody("'extension_id' must name a seeded extension")
        expires_in = as_int(spec.get("expires_in"))
        tokens = self.auth.mint(ext_id, spec.get("client_id", CLIENT_ID), expires_in)
        return self._token_body(tokens.access_token, tokens.refresh_token, tokens.expires_in, ext_id)

    def expire(self, spec: JsonDict) -> JsonDict:
        token = spec.get("token")
        if spec.get("revoke") and token:
            return {"revoked": self.auth.revoke(str(token))}
        return {"expired": self.auth.expire(str(token) if token else None, every=bool(spec.get("all")))}

    # -- HTTP conventions ----------------------------------------------------------------------------------
    def rate_limit_headers(self, state: RateState) -> dict[str, str]:
        return {
            "X-Rate-Limit-Group": "light",
            "X-Rate-Limit-Limit": str(state.limit),
            "X-Rate-Limit-Remaining": str(state.remaining),
            "X-Rate-Limit-Window": str(int(state.window_seconds)),
        }

    def rate_limited(self, state: RateState) -> Response:
        response = _rc_error(429, "CMN-301", "Request rate exceeded")
        response.headers["Retry-After"] = str(state.reset_seconds)
        return response

    def not_found(self, request: Request) -> Response:
        return _rc_error(404, "CMN-102", f"Resource for parameter [{request.path}] is not found")

    def bad_body(self, message: str) -> Response:
        return _rc_error(400, "CMN-101", message)

    # -- routes --------------------------------------------------------------------------------------------
    def register_routes(self) -> None:
        self.route("GET", "/restapi/oauth/authorize", self.authorize, limited=False)
        self.route("POST", "/restapi/oauth/token", self.token, limited=False)
        self.route("POST", "/restapi/oauth/revoke", self.revoke, limited=False)
        self.route("GET", "/restapi/v1.0/account/{account}/extension/{extension}", self.extension_info)
        self.route("GET", "/restapi/v1.0/account/{account}", self.account_info)

    def _extension_info(self, ext: JsonDict, base: str) -> JsonDict:
        account_id = ext["accountId"]
        return {
            "uri": f"{base}/restapi/v1.0/account/{account_id}/extension/{ext['id']}",
            "id": ext["id"],
            "extensionNumber": ext["extensionNumber"],
            "contact": {
                "firstName": ext["firstName"],
                "lastName": ext["lastName"],
                "email": ext["email"],
                "emailAsLoginName": True,
            },
            "name": f"{ext['firstName']} {ext['lastName']}",
            "type": "User",
            "status": "Enabled",
            "account": {"uri": f"{base}/restapi/v1.0/account/{account_id}", "id": str(account_id)},
            "permissions": {"admin": {"enabled": ext["admin"]}, "internationalCalling": {"enabled": False}},
            "regionalSettings": {
                "timezone": {"id": "58", "name": "US/Eastern", "bias": "-300"},
                "homeCountry": {"id": "1", "isoCode": "US", "callingCode": "1"},
            },
        }

    def _current_extension(self, request: Request) -> JsonDict:
        token = request.bearer_token()
        if token is None:
            raise HttpError(
                _rc_error(401, "InvalidToken", "Authorization header is not specified", "OAU-149")
            )
        user_id, reason = self.auth.access_user(token)
        if reason == "expired":
            raise HttpError(_rc_error(401, "TokenExpired", "Access token expired", "OAU-213"))
        if user_id is None or user_id not in self.extensions:
            raise HttpError(_rc_error(401, "TokenInvalid", "Token not found", "OAU-213"))
        return self.extensions[user_id]

    def extension_info(self, request: Request) -> Response:
        ext = self._current_extension(request)
        account, extension = request.path_params["account"], request.path_params["extension"]
        if account not in ("~", str(ext["accountId"])):
            return _rc_error(
                403,
                "CMN-408",
                "In order to call this API endpoint, user needs to have [ReadAccounts] permission",
            )
        if extension == "~" or extension == str(ext["id"]):
            return Response.json(200, self._extension_info(ext, request.system_base))
        other = self.extensions.get(as_int(extension) or -1)
        if other is None or other["accountId"] != ext["accountId"]:
            return _rc_error(
                404,
                "CMN-102",
                "Resource for parameter [extensionId] is not found",
                parameterName="extensionId",
            )
        if not ext["admin"]:
            return _rc_error(
                403,
                "CMN-408",
                "In order to call this API endpoint, user needs to have [ReadAccounts] permission",
            )
        return Response.json(200, self._extension_info(other, request.system_base))

    def account_info(self, request: Request) -> Response:
        ext = self._current_extension(request)
        if request.path_params["account"] not in ("~", str(ext["accountId"])):
            return _rc_error(
                404, "CMN-102", "Resource for parameter [accountId] is not found", parameterName="accountId"
            )
        account = self.accounts[ext["accountId"]]
        return Response.json(
            200,
            {
                "uri": f"{request.system_base}/restapi/v1.0/account/{account['id']}",
                "id": account["id"],
                "mainNumber": account["mainNumber"],
                "status": account["status"],
                "serviceInfo": {"brand": {"id": "1210", "name": "RingCentral"}},
                "name": account["name"],
            },
        )

    # -- OAuth ---------------------------------------------------------------------------------------------
    def _token_body(self, access: str, refresh: str, expires_in: int, ext_id: int) -> JsonDict:
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": expires_in,
            "refresh_token": refresh,
            "refresh_token_expires_in": int(self.config["refresh_ttl"]),
            "scope": self.auth.scope,
            "owner_id": str(ext_id),
            "endpoint_id": f"sandbox-endpoint-{ext_id}",
        }

    def authorize(self, request: Request) -> Response:
        client = self.auth.client(request.arg("client_id"))
        redirect_uri = request.arg("redirect_uri")
        if client is None:
            return _rc_error(400, "OAU-120", "Wrong Application ID")
        if not redirect_uri:
            return _rc_error(400, "OAU-113", "No redirect uri is registered for the client")
        if (request.arg("response_type") or "code") != "code":
            return _rc_error(400, "OAU-112", "The client is unauthorized for the required grant type")
        ext_id = as_int(request.arg("sandbox_user"))
        if ext_id not in self.extensions:
            ext_id = next(iter(self.extensions))
        code = self.auth.issue_code(client.client_id, redirect_uri, ext_id)
        return Response.redirect(with_query(redirect_uri, {"code": code, "state": request.arg("state")}))

    def _oauth_error(self, error: OAuthError) -> Response:
        codes = {"invalid_client": "OAU-123", "invalid_grant": "OAU-211", "unsupported_grant_type": "OAU-250"}
        return Response.json(
            error.status,
            {
                "error": error.error,
                "errors": [{"errorCode": codes.get(error.error, "OAU-251"), "message": error.description}],
                "error_description": error.description,
            },
        )

    def token(self, request: Request) -> Response:
        params = request.params()
        basic = request.basic_auth()
        client_id, client_secret = basic if basic else (params.get("client_id"), params.get("client_secret"))
        try:
            client = self.auth.authenticate_client(client_id, client_secret)
            grant_type = params.get("grant_type")
            if grant_type == "authorization_code":
                tokens = self.auth.exchange_code(client, params.get("code"), params.get("redirect_uri"))
            elif grant_type == "refresh_token":
                tokens = self.auth.refresh(client, params.get("refresh_token"))
            elif grant_type == "password":
                ext = self._password_login(params)
                tokens = self.auth.mint(ext["id"], client.client_id)
            else:
                raise OAuthError("unsupported_grant_type", f"Unsupported grant type: {grant_type}")
        except OAuthError as error:
            return self._oauth_error(error)
        return Response.json(
            200,
            self._token_body(tokens.access_token, tokens.refresh_token, tokens.expires_in, tokens.user_id),
        )

    def _password_login(self, params: dict[str, str]) -> JsonDict:
        username = params.get("username") or ""
        extension = params.get("extension") or ""
        for ext in self.extensions.values():
            login_matches = username in (ext["email"], self.accounts[ext["accountId"]]["mainNumber"])
            extension_matches = not extension or extension == ext["extensionNumber"]
            if login_matches and extension_matches and params.get("password") == ext["password"]:
                return ext
        raise OAuthError("invalid_grant", "Invalid resource owner credentials")

    def revoke(self, request: Request) -> Response:
        token = request.params().get("token")
        if token:
            self.auth.revoke(token)
        return Response(200)
