"""The town's state: residents, ties, neighbourhoods, random streams and the preset data."""
