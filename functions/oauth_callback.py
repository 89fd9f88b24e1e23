"""GET /oauth-callback"""

from appconnect.http import api_handler
from appconnect.operations.auth import oauth_callback

handler = api_handler("oauthCallback", oauth_callback)
