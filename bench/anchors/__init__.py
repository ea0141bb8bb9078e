"""The alternatives PulseDesk is measured against, each a server runnable on its own."""
