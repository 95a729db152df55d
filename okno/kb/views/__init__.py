"""Knowledge base pages: the public help center, the agent editor and statistics."""
