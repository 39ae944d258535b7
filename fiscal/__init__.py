"""The pure finance domain shared by the client and the server.

Money in integer fen, 大写金额, identifiers, classification codes, dictionaries, control rules
and wire schemas. Standard library and pydantic only: no Qt, no database, no network.
"""
