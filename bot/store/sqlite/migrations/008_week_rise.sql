-- studybot schema 8: a week's rise kept with its board row, so the most improved member is one index seek.
--
-- * board_totals.rise: on a week row, the member's points that week minus their points the week before;
--   NULL when they have no row the week before (and on month and all-time rows). Written in the answer's
--   own transaction, on the week answered and on the week after it (a late answer to last Sunday's post
--   changes the rise of this week). Filled here from the rows already stored.
-- * board_totals_rise: only the rows that rose (rise > 0) can be the most improved: a small index.

ALTER TABLE board_totals ADD COLUMN rise INTEGER;

UPDATE board_totals SET rise = points - (
    SELECT p.points FROM board_totals p
    WHERE p.channel_key = board_totals.channel_key AND p.period = 'week'
      AND p.period_start = date(board_totals.period_start, '-7 days') AND p.user_id = board_totals.user_id
)
WHERE period = 'week';

CREATE INDEX board_totals_rise ON board_totals (channel_key, period, period_start, rise DESC, points DESC)
    WHERE rise > 0;
