"""Qt widgets and models. Talks to a server only as a client, never through server internals."""
