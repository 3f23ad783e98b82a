"""Demo data for trying the product: `manage.py seed_demo`."""
