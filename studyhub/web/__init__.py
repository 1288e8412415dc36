"""The shared shell: error pages, template filters, pagination, health and home pages.

It sits just above ``core``: domains may use it, it uses no domain. Domains put
their own data into the layout through context processors of their blueprints.
"""
