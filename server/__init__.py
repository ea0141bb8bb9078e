"""The PulseDesk service: a FastAPI app that never imports Qt, app or ui."""
