-- Boards read user_id, points, correct and answered_at of a channel's answers: covering indexes let the
-- all-time board (by user) and the weekly board (by time) run on an index alone, never the table.
CREATE INDEX answers_board ON answers (channel_key, user_id, points, correct, answered_at);
CREATE INDEX answers_board_by_time ON answers (channel_key, answered_at, user_id, points, correct);
DROP INDEX answers_by_channel_user;
DROP INDEX answers_by_channel_time;
