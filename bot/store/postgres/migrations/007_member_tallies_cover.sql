-- studybot schema 7 (PostgreSQL): /stats reads a member's tallies from the primary key alone.
--
-- * A member's tallies (one row per question and source) were written over the months they answered,
--   each on its own page among every other member's: at 5M answers /stats read ~100 heap pages for one
--   member (0.58 ms against 0.26 ms at 100k answers). The primary key now carries the counts, so the
--   read is an index-only scan of a few pages. A daily answer inserts its tally row (a question is new
--   to the member), so the answer path pays only the wider index entries.

ALTER TABLE member_tallies
    DROP CONSTRAINT member_tallies_pkey,
    ADD CONSTRAINT member_tallies_pkey PRIMARY KEY (channel_key, user_id, question_id, source)
        INCLUDE (answered, correct);
