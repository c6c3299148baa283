"""The toy translation task of pages 2 and 3: a rule-based grammar and two small GRU translators."""
