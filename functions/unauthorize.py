"""POST /unAuthorize"""

from appconnect.http import api_handler
from appconnect.operations.auth import unauthorize

handler = api_handler("unAuthorize", unauthorize)
