"""Server use cases. Functions take keyword-only arguments and a Session; they raise
:class:`server.errors.ApiError` for refusals and never commit unless documented."""
