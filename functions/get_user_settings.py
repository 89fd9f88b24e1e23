"""GET /user/settings"""

from appconnect.http import api_handler
from appconnect.operations.user import get_user_settings

handler = api_handler("getUserSettings", get_user_settings)
