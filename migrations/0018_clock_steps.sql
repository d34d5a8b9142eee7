CREATE TABLE "clock_steps" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"conversation_id" uuid NOT NULL,
	"clock_event_id" bigint NOT NULL,
	"step" text NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"done_at" timestamp with time zone,
	"outcome" text
);
--> statement-breakpoint
ALTER TABLE "clock_steps" ADD CONSTRAINT "clock_steps_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "clock_steps_clock_step_idx" ON "clock_steps" USING btree ("clock_event_id","step");--> statement-breakpoint
CREATE INDEX "clock_steps_due_idx" ON "clock_steps" USING btree ("due_at") WHERE "clock_steps"."done_at" is null;