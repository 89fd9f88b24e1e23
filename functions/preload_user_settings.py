"""GET /user/preloadSettings"""

from appconnect.http import api_handler
from appconnect.operations.user import preload_user_settings

handler = api_handler("preloadUserSettings", preload_user_settings)
