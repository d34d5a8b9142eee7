DROP INDEX "clock_steps_clock_step_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "clock_steps_clock_step_due_idx" ON "clock_steps" USING btree ("clock_event_id","step","due_at");