"""Services hold the business rules; routes call them and never touch storage directly."""
