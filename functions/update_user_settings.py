"""POST /user/settings"""

from appconnect.http import api_handler
from appconnect.operations.user import update_user_settings

handler = api_handler("updateUserSettings", update_user_settings)
