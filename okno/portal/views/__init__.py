"""Customer portal views, one module per screen."""
