CREATE TABLE "leases" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "slack_outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"kind" text NOT NULL,
	"work" jsonb NOT NULL,
	"conversation_id" uuid,
	"lane" text NOT NULL,
	"needs_card" boolean DEFAULT false NOT NULL,
	"priority" integer DEFAULT 0 NOT NULL,
	"not_before" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"attempted_at" timestamp with time zone,
	"attempt_channel" text,
	"attempt_thread_ts" text,
	"last_error" text,
	"done_at" timestamp with time zone,
	"outcome" text,
	"ts" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "slack_outbox_key_idx" ON "slack_outbox" USING btree ("key");--> statement-breakpoint
CREATE INDEX "slack_outbox_due_idx" ON "slack_outbox" USING btree ("lane","priority","id") WHERE "slack_outbox"."done_at" is null;--> statement-breakpoint
CREATE INDEX "slack_outbox_conversation_idx" ON "slack_outbox" USING btree ("conversation_id") WHERE "slack_outbox"."done_at" is null;--> statement-breakpoint
CREATE INDEX "slack_outbox_done_idx" ON "slack_outbox" USING btree ("done_at");