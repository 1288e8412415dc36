"""The plans domain's operations, one module per concern.

``plans`` writes and publishes plans (fields, materials, targets, the test,
deadline overrides); ``progress`` says who may see a plan and how far its
members are; ``reminders`` reminds members (at most once a day per plan);
``sharing`` makes the share link's QR code and the poster's facts.
"""
