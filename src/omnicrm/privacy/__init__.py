"""Personal-data rights (S2): export of everything held about a person, erasure across the
identity graph with a suppression list, and consent changes with their history."""
