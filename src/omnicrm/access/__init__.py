"""Who may call what: API keys for systems (tills, sites, partners) with scopes."""
