"""Operations: one module per area; each function takes a Request and returns what the client gets."""
