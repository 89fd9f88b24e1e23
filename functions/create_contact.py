"""POST /contact: not implemented yet; answers 501 until its issue lands."""

from appconnect.http import not_implemented

handler = not_implemented("createContact")
