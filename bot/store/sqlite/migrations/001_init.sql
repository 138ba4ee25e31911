-- studybot schema 1: channels, members, daily posts, answers, practice answers.
-- Times are UTC unix milliseconds; local dates are ISO text in the channel's time zone.

CREATE TABLE channels (
    id          INTEGER PRIMARY KEY,
    platform    TEXT    NOT NULL,
    team_id     TEXT    NOT NULL,
    channel_id  TEXT    NOT NULL,
    settings    TEXT    NOT NULL,            -- JSON of ChannelSettings
    active      INTEGER NOT NULL DEFAULT 0,  -- 1 once an admin ran /studybot setup
    UNIQUE (platform, channel_id)
);

CREATE TABLE users (
    platform    TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    PRIMARY KEY (platform, user_id)
);

CREATE TABLE posts (
    id           INTEGER PRIMARY KEY,
    channel_key  INTEGER NOT NULL REFERENCES channels (id),
    local_date   TEXT    NOT NULL,
    question_id  TEXT    NOT NULL,
    claimed_at   INTEGER NOT NULL,
    posted_at    INTEGER,
    message_id   TEXT,
    closed_at    INTEGER,
    UNIQUE (channel_key, local_date)
);

CREATE TABLE answers (
    post_id      INTEGER NOT NULL REFERENCES posts (id),
    user_id      TEXT    NOT NULL,
    channel_key  INTEGER NOT NULL REFERENCES channels (id),
    picked       TEXT    NOT NULL,   -- choice indexes joined with '+', e.g. '0+3'
    correct      INTEGER NOT NULL,
    points       INTEGER NOT NULL,
    answered_at  INTEGER NOT NULL,
    PRIMARY KEY (post_id, user_id)
);

CREATE INDEX answers_by_channel_time ON answers (channel_key, answered_at);
CREATE INDEX answers_by_channel_user ON answers (channel_key, user_id);

CREATE TABLE practice (
    id           INTEGER PRIMARY KEY,
    channel_key  INTEGER NOT NULL REFERENCES channels (id),
    user_id      TEXT    NOT NULL,
    question_id  TEXT    NOT NULL,
    picked       TEXT    NOT NULL,
    correct      INTEGER NOT NULL,
    answered_at  INTEGER NOT NULL
);

CREATE INDEX practice_by_user ON practice (user_id, answered_at);
