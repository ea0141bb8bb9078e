"""Shared by server and clients: no dependencies, so server and ui may both import it."""
