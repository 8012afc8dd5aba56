"""omnicrm: omnichannel CRM and loyalty for retail chains."""

__version__ = "0.1.0"
