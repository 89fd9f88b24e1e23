"""GET /contact"""

from appconnect.http import api_handler
from appconnect.operations.contacts import find_contact

handler = api_handler("findContact", find_contact)
