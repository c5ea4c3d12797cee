"""Business rules and transactions. Services are the only code that commits."""
