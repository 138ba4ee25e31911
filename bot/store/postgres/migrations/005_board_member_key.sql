-- studybot schema 5 (PostgreSQL): a member's board row is found by its whole key, whatever the statistics.
--
-- * The week's upsert reads each member's points of the week before (the rise) by the whole primary key.
--   Without statistics (a new table, a new week) the planner preferred an index-only scan of
--   board_totals_rank, whose user_id comes after the points: every member's lookup read the whole week of
--   the channel, so a burst of 1,000 answers read a million index entries. The primary key now carries
--   the points, so the one-row lookup is index-only too, and the planner takes it.

ALTER TABLE board_totals
    DROP CONSTRAINT board_totals_pkey,
    ADD CONSTRAINT board_totals_pkey PRIMARY KEY (channel_key, period, period_start, user_id) INCLUDE (points);
