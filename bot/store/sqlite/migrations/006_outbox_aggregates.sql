-- studybot schema 6: the outbox, aggregates kept with every answer, channel versions, reports.
--
-- * outbox: everything the bot sends on its own (a daily post, its reveal, the explanation, a weekly
--   board) is a record claimed -> sending (leased) -> sent | missed | failed; it replaces `boards`.
-- * board_totals, member_tallies, channel_tallies and the posts' answered/correct counters are written in
--   the answer's own transaction, so boards, /stats and the choice of a question cost the same however
--   long the channel's history grows. A board period is the week (Monday) or month (1st) of the post's
--   local date. They are filled here from the history already stored.
-- * channels.version: the `channel_version` counter at the channel's last save, so other processes
--   notice a settings change.

ALTER TABLE channels ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
UPDATE channels SET version = id;
-- Counters shared by every process; a row lock on one orders the saves that take it.
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO counters (name, value) SELECT 'channel_version', COALESCE(MAX(id), 0) FROM channels;

-- An answer's place among its post's answers: the order answers came in, on every engine.
ALTER TABLE answers ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE answers SET seq = rowid;

ALTER TABLE posts ADD COLUMN answered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE posts ADD COLUMN correct INTEGER NOT NULL DEFAULT 0;
UPDATE posts SET
    answered = (SELECT COUNT(*) FROM answers a WHERE a.post_id = posts.id),
    correct = (SELECT COALESCE(SUM(a.correct), 0) FROM answers a WHERE a.post_id = posts.id);

CREATE TABLE outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    key          TEXT    NOT NULL UNIQUE,
    kind         TEXT    NOT NULL,             -- post | reveal | explain | board
    channel_key  INTEGER NOT NULL REFERENCES channels (id),
    post_id      INTEGER REFERENCES posts (id),
    week_start   TEXT,                         -- a board's Monday
    state        TEXT    NOT NULL DEFAULT 'claimed',  -- claimed | sending | sent | missed | failed
    attempts     INTEGER NOT NULL DEFAULT 0,
    lease_owner  TEXT,
    lease_until  INTEGER,
    message_id   TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    due_at       INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_error   TEXT
);
CREATE INDEX outbox_open ON outbox (state, id) WHERE state IN ('claimed', 'sending');

-- A post whose send was claimed but never confirmed: its outcome is unknown, the reconciler settles it.
INSERT INTO outbox (key, kind, channel_key, post_id, state, attempts, message_id, created_at, updated_at, due_at,
                    expires_at)
SELECT 'post:' || id, 'post', channel_key, id,
       CASE WHEN posted_at IS NULL THEN 'sending' ELSE 'sent' END, 1, message_id, claimed_at,
       COALESCE(posted_at, claimed_at), claimed_at, claimed_at + 9 * 3600 * 1000
FROM posts;

INSERT INTO outbox (key, kind, channel_key, week_start, state, attempts, message_id, created_at, updated_at, due_at,
                    expires_at)
SELECT 'board:' || channel_key || ':' || week_start, 'board', channel_key, week_start,
       CASE WHEN posted_at IS NULL THEN 'sending' ELSE 'sent' END, 1, message_id, claimed_at,
       COALESCE(posted_at, claimed_at), claimed_at, claimed_at + 24 * 3600 * 1000
FROM boards;
DROP TABLE boards;

CREATE TABLE board_totals (
    channel_key   INTEGER NOT NULL REFERENCES channels (id),
    period        TEXT    NOT NULL,   -- week | month | all
    period_start  TEXT    NOT NULL,   -- ISO Monday / 1st of the month; '' for all
    user_id       TEXT    NOT NULL,
    points        INTEGER NOT NULL,
    correct       INTEGER NOT NULL,
    answered      INTEGER NOT NULL,
    first_at      INTEGER NOT NULL,   -- the first answer in the period: on equal points, who began first
    PRIMARY KEY (channel_key, period, period_start, user_id)
);
CREATE INDEX board_totals_rank
    ON board_totals (channel_key, period, period_start, points DESC, correct DESC, first_at, user_id);

INSERT INTO board_totals
SELECT a.channel_key, 'all', '', a.user_id, SUM(a.points), SUM(a.correct), COUNT(*), MIN(a.answered_at)
FROM answers a GROUP BY a.channel_key, a.user_id;

INSERT INTO board_totals
SELECT a.channel_key, 'week',
       date(p.local_date, '-' || ((CAST(strftime('%w', p.local_date) AS INTEGER) + 6) % 7) || ' days') AS monday,
       a.user_id, SUM(a.points), SUM(a.correct), COUNT(*), MIN(a.answered_at)
FROM answers a JOIN posts p ON p.id = a.post_id GROUP BY a.channel_key, monday, a.user_id;

INSERT INTO board_totals
SELECT a.channel_key, 'month', strftime('%Y-%m-01', p.local_date) AS first_day,
       a.user_id, SUM(a.points), SUM(a.correct), COUNT(*), MIN(a.answered_at)
FROM answers a JOIN posts p ON p.id = a.post_id GROUP BY a.channel_key, first_day, a.user_id;

CREATE TABLE member_tallies (
    channel_key  INTEGER NOT NULL REFERENCES channels (id),
    user_id      TEXT    NOT NULL,
    question_id  TEXT    NOT NULL,
    source       TEXT    NOT NULL,   -- daily | practice | exam (answers of finished exams)
    answered     INTEGER NOT NULL,
    correct      INTEGER NOT NULL,
    PRIMARY KEY (channel_key, user_id, question_id, source)
);

INSERT INTO member_tallies
SELECT a.channel_key, a.user_id, p.question_id, 'daily', COUNT(*), SUM(a.correct)
FROM answers a JOIN posts p ON p.id = a.post_id GROUP BY a.channel_key, a.user_id, p.question_id;

INSERT INTO member_tallies
SELECT channel_key, user_id, question_id, 'practice', COUNT(*), SUM(correct)
FROM practice GROUP BY channel_key, user_id, question_id;

INSERT INTO member_tallies
SELECT e.channel_key, e.user_id, ea.question_id, 'exam', COUNT(*), SUM(ea.correct)
FROM exam_answers ea JOIN exams e ON e.id = ea.exam_id
WHERE e.status = 'finished' AND ea.picked != ''
GROUP BY e.channel_key, e.user_id, ea.question_id;

CREATE TABLE channel_tallies (
    channel_key  INTEGER NOT NULL REFERENCES channels (id),
    question_id  TEXT    NOT NULL,
    posted       INTEGER NOT NULL DEFAULT 0,   -- daily posts that used the question
    answered     INTEGER NOT NULL DEFAULT 0,
    correct      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (channel_key, question_id)
);

INSERT INTO channel_tallies (channel_key, question_id, posted, answered, correct)
SELECT channel_key, question_id, COUNT(*), SUM(answered), SUM(correct) FROM posts GROUP BY channel_key, question_id;

CREATE TABLE reports (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    platform     TEXT    NOT NULL,
    channel_key  INTEGER NOT NULL REFERENCES channels (id),
    user_id      TEXT    NOT NULL,
    question_id  TEXT    NOT NULL,
    reason       TEXT    NOT NULL,   -- wrong | unclear | outdated | typo
    note         TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL DEFAULT 'open',
    created_at   INTEGER NOT NULL,
    closed_at    INTEGER
);
CREATE INDEX reports_by_status ON reports (status, question_id);

-- The old boards summed the answers themselves; their time index is no longer read.
DROP INDEX answers_board_by_time;
