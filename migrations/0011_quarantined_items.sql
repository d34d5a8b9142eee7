CREATE TABLE "quarantined_items" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"network" text,
	"external_id" text,
	"reason" text NOT NULL,
	"payload" text NOT NULL,
	"quarantined_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "quarantined_items_at_idx" ON "quarantined_items" USING btree ("quarantined_at");