-- studybot schema 9: answers keep only the secondary index something reads.
--
-- * answers_board served the boards before board_totals kept them (schema 6); every answer still paid
--   for it. /stats reads the posts a member answered correctly: answers_correct holds exactly that, so
--   the read never touches the table.
-- * posts_posted: the days the channel's question reached it (/stats streaks), read from the index alone.

DROP INDEX IF EXISTS answers_board;
CREATE INDEX IF NOT EXISTS answers_correct ON answers (channel_key, user_id, correct, post_id);
CREATE INDEX IF NOT EXISTS posts_posted ON posts (channel_key, local_date) WHERE posted_at IS NOT NULL;
