-- Every message is noted in its row before it is posted (attempts, attempted_at, attempt_channel),
-- which touches no indexed column: with room left on the row's page, PostgreSQL updates it in place
-- (a HOT update) instead of adding an entry to each of the table's indexes.
ALTER TABLE "slack_outbox" SET (fillfactor = 70);
