"""Identity: identifiers of people (normalised), and later the resolution of records to profiles."""
