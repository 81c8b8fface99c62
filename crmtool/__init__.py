"""crmtool: move customer data from Excel workbooks and legacy exports into a CRM, clean and verified."""

__version__ = "0.1.0"
