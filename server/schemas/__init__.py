"""Request and response models: the seed's API contract and what the routes return."""
