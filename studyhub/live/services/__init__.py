"""The live domain's operations: ``lessons`` (schedule, end, recordings), ``comments``
(post, hide, pin, the feed), ``watching`` (honest watch time, 补学) and ``attendance``
(the end-of-lesson record in every invited branch)."""
