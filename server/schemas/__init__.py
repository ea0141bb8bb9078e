"""Request and response models: the API contract, what the routes take and return."""
