"""Page routers, one module per area; handlers translate HTTP to the domain's queries and use
cases and back to templates."""
