"""HTTP assembly: the FastAPI app, error mapping and authentication. Routers live in their
capability packages; this package only puts them together."""
