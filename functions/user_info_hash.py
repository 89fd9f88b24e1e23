"""GET /userInfoHash"""

from appconnect.http import api_handler
from appconnect.operations.auth import user_info_hash

handler = api_handler("userInfoHash", user_info_hash)
