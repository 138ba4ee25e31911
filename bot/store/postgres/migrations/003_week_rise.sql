-- studybot on PostgreSQL, schema 3 (SQLite's schema 8): a week's rise kept with its board row, so the
-- most improved member is one index seek.
--
-- * board_totals.rise: on a week row, the member's points that week minus their points the week before;
--   NULL when they have no row the week before (and on month and all-time rows). Written in the answer's
--   own transaction, on the week answered and on the week after it (a late answer to last Sunday's post
--   changes the rise of this week). Filled here from the rows already stored.
-- * board_totals_rise: only the rows that rose (rise > 0) can be the most improved: a small index.

ALTER TABLE board_totals ADD COLUMN rise INTEGER;

UPDATE board_totals b SET rise = b.points - p.points
FROM board_totals p
WHERE b.period = 'week' AND p.channel_key = b.channel_key AND p.period = 'week'
  AND p.period_start = to_char(b.period_start::date - 7, 'YYYY-MM-DD') AND p.user_id = b.user_id;

CREATE INDEX board_totals_rise ON board_totals (channel_key, period, period_start, rise DESC, points DESC)
    WHERE rise > 0;
