"""POST /user/refreshInfo"""

from appconnect.http import api_handler
from appconnect.operations.user import refresh_user_info

handler = api_handler("refreshUserInfo", refresh_user_info)
