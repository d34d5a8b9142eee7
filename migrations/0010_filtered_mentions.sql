CREATE TABLE "spam_exemptions" (
	"network" text NOT NULL,
	"author_id" text NOT NULL,
	"vouched_by" text NOT NULL,
	"vouched_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "spam_exemptions_network_author_id_pk" PRIMARY KEY("network","author_id")
);
--> statement-breakpoint
ALTER TABLE "spam_exemptions" ADD CONSTRAINT "spam_exemptions_vouched_by_staff_id_fk" FOREIGN KEY ("vouched_by") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "conversations_spam_idx" ON "conversations" USING btree ("closed_at") WHERE "conversations"."status" = 'spam';