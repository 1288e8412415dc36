"""Live 党课 (直播党课): a lesson streamed to many branches at once.

It owns live lessons (the stream or uploaded recording, the invited branches
including guest branches of other committees, moderators), live comments with
their moderation, members' honest watch time (live and by replay), and the
end-of-lesson job that writes each invited branch's 党课 meeting with the
attendance from watch time (through the meetings domain) and marks 补学 from
the replay. See docs/live.md for the design of the live channel.
"""
