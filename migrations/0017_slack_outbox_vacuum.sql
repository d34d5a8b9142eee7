-- The outbox is a queue: rows are settled (updated) as fast as they are written, and scans of its
-- pending rows wade through the dead versions until a vacuum clears them, so vacuum it early.
ALTER TABLE slack_outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000,
  autovacuum_vacuum_cost_delay = 0);
