"""Demo data for `okno demo`: people, organizations and a few hundred realistic tickets."""
