ALTER TABLE "conversations" ADD COLUMN "priority" text DEFAULT 'normal' NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "response_target_minutes" integer;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "routing_reasons" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "covering_for" text;--> statement-breakpoint
ALTER TABLE "staff" ADD COLUMN "working_hours" jsonb;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_covering_for_staff_id_fk" FOREIGN KEY ("covering_for") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "conversations_waiting_idx" ON "conversations" USING btree ("opened_at") WHERE "conversations"."assignee_id" is null and "conversations"."closed_at" is null;--> statement-breakpoint
CREATE INDEX "conversations_author_handle_idx" ON "conversations" USING btree ("network",lower("author_handle"));