"""Page views: one pure, typed function per lesson page returning a frozen dataclass of read-only arrays.

A view holds every number its page shows (values, steps and parity checks) for one setting, so the page only
reads widgets, calls its view (cached), hands the view to its figure builders and places the results.
"""
