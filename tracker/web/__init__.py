"""The web board, JSON API, calendar, Atom feed, health and metrics (`tracker serve`)."""
