"""The readings domain's operations, one module per concern.

``content`` renders and sanitises bodies; ``library`` writes and publishes
readings; ``tracking`` records receipts and credits study; ``rota`` assigns
lead readers; ``comments`` handles comments and their moderation.
"""
