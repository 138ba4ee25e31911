-- studybot schema 7: a member has at most one open report per question (a second report updates it).
-- Duplicates made before this rule (none through chat: reporting arrived with it) keep the newest open.
UPDATE reports SET status = 'closed', closed_at = created_at
WHERE status = 'open'
  AND id NOT IN (SELECT MAX(id) FROM reports WHERE status = 'open' GROUP BY platform, user_id, question_id);

CREATE UNIQUE INDEX reports_open_once ON reports (platform, user_id, question_id) WHERE status = 'open';
