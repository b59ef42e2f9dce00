"""changeway: staging environments and governed change promotion for Salesforce metadata."""

__version__ = "0.1.0"
