-- studybot schema 10: a channel's open posts, found without reading its history.
--
-- * posts_open: every close job (and every start's catch-up, for each channel) asks for the channel's
--   posts not closed yet. Through the channel's key alone that read every post the channel ever had, a
--   growing cost (on PostgreSQL at 5M answers: 261 posts, each on its own page, 1.7 ms). The partial
--   index holds only the open posts: none or one, at any age of the channel.

CREATE INDEX IF NOT EXISTS posts_open ON posts (channel_key, local_date) WHERE closed_at IS NULL;
