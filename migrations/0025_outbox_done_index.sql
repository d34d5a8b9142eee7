DROP INDEX "slack_outbox_done_idx";--> statement-breakpoint
CREATE INDEX "slack_outbox_done_idx" ON "slack_outbox" USING btree ("done_at") WHERE "slack_outbox"."done_at" is not null;