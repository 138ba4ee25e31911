-- studybot schema 2: the weekly board, claimed per channel and week before it is posted,
-- so a restart, a DST double fire or a second process never posts it twice.
-- week_start is the Monday (ISO date, the channel's time zone) of the week the board covers.

CREATE TABLE boards (
    id           INTEGER PRIMARY KEY,
    channel_key  INTEGER NOT NULL REFERENCES channels (id),
    week_start   TEXT    NOT NULL,
    claimed_at   INTEGER NOT NULL,
    posted_at    INTEGER,
    message_id   TEXT,
    UNIQUE (channel_key, week_start)
);
