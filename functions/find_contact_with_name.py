"""GET /custom/contact/search"""

from appconnect.http import api_handler
from appconnect.operations.contacts import find_contact_with_name

handler = api_handler("findContactWithName", find_contact_with_name)
