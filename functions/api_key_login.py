"""POST /apiKeyLogin"""

from appconnect.http import api_handler
from appconnect.operations.auth import api_key_login

handler = api_handler("apiKeyLogin", api_key_login)
