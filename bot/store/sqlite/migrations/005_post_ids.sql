-- Post ids are never reused: a released claim (a post that could not be sent) must not hand its id to the
-- next claim, or buttons of a message that did arrive would score against another question.
-- SQLite's table rebuild procedure; the migration runner turns foreign keys off around it.
CREATE TABLE posts_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    channel_key  INTEGER NOT NULL REFERENCES channels (id),
    local_date   TEXT    NOT NULL,
    question_id  TEXT    NOT NULL,
    claimed_at   INTEGER NOT NULL,
    posted_at    INTEGER,
    message_id   TEXT,
    closed_at    INTEGER,
    UNIQUE (channel_key, local_date)
);
INSERT INTO posts_new (id, channel_key, local_date, question_id, claimed_at, posted_at, message_id, closed_at)
    SELECT id, channel_key, local_date, question_id, claimed_at, posted_at, message_id, closed_at FROM posts;
DROP TABLE posts;
ALTER TABLE posts_new RENAME TO posts;
