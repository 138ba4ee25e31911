-- studybot schema 3: spaced-repetition cards over missed questions, and mock exams.
-- Both belong to a member of a platform (not to one channel): what a member has to review or an
-- unfinished exam follows them into every channel of that platform.

CREATE TABLE review_cards (
    platform     TEXT    NOT NULL,
    user_id      TEXT    NOT NULL,
    question_id  TEXT    NOT NULL,
    fsrs         TEXT    NOT NULL,            -- JSON of fsrs.Card.to_dict()
    due_at       INTEGER NOT NULL,            -- copy of the card's due time, for ordering
    misses       INTEGER NOT NULL DEFAULT 0,  -- every wrong answer to this question, anywhere
    reviews      INTEGER NOT NULL DEFAULT 0,  -- answers given in /review
    leech        INTEGER NOT NULL DEFAULT 0,  -- 1 once missed too often: no longer served
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (platform, user_id, question_id)
);

CREATE INDEX review_cards_due ON review_cards (platform, user_id, leech, due_at);

CREATE TABLE exams (
    id            INTEGER PRIMARY KEY,
    platform      TEXT    NOT NULL,
    user_id       TEXT    NOT NULL,
    channel_key   INTEGER NOT NULL REFERENCES channels (id),  -- where it was started (for /stats)
    track         TEXT    NOT NULL,            -- 'saa' | 'clf'
    question_ids  TEXT    NOT NULL,            -- JSON list, in the order they are asked
    status        TEXT    NOT NULL DEFAULT 'open',  -- 'open' | 'finished' | 'abandoned'
    started_at    INTEGER NOT NULL,
    finished_at   INTEGER
);

-- One unfinished exam per member at a time.
CREATE UNIQUE INDEX exams_one_open ON exams (platform, user_id) WHERE status = 'open';
CREATE INDEX exams_by_channel_user ON exams (channel_key, user_id, status);

CREATE TABLE exam_answers (
    exam_id      INTEGER NOT NULL REFERENCES exams (id),
    position     INTEGER NOT NULL,   -- 0-based index into the exam's question_ids
    question_id  TEXT    NOT NULL,
    picked       TEXT    NOT NULL,
    correct      INTEGER NOT NULL,
    answered_at  INTEGER NOT NULL,
    PRIMARY KEY (exam_id, position)
);
