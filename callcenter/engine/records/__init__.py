"""Call records: folded from bus events, buffered through outages, written to SQL."""
