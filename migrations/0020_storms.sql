CREATE TABLE "cluster_members" (
	"mention_id" uuid PRIMARY KEY NOT NULL,
	"cluster_id" bigint NOT NULL,
	"sentiment" text NOT NULL,
	"joined_at" timestamp with time zone NOT NULL,
	"split_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "storms" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"start_figures" jsonb NOT NULL,
	"calm_since" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"end_figures" jsonb,
	"slack_ts" text,
	"owner_channel" text,
	"owner_ts" text
);
--> statement-breakpoint
CREATE TABLE "story_clusters" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"storm_id" bigint NOT NULL,
	"signatures" jsonb NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"merged_into" bigint,
	"assignee_id" text,
	"slack_ts" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "cluster_members" ADD CONSTRAINT "cluster_members_mention_id_mentions_id_fk" FOREIGN KEY ("mention_id") REFERENCES "public"."mentions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cluster_members" ADD CONSTRAINT "cluster_members_cluster_id_story_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."story_clusters"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "story_clusters" ADD CONSTRAINT "story_clusters_storm_id_storms_id_fk" FOREIGN KEY ("storm_id") REFERENCES "public"."storms"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "story_clusters" ADD CONSTRAINT "story_clusters_assignee_id_staff_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."staff"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cluster_members_cluster_idx" ON "cluster_members" USING btree ("cluster_id","joined_at");--> statement-breakpoint
CREATE UNIQUE INDEX "storms_open_uq" ON "storms" USING btree ((true)) WHERE "storms"."ended_at" is null;--> statement-breakpoint
CREATE INDEX "story_clusters_storm_idx" ON "story_clusters" USING btree ("storm_id");--> statement-breakpoint
CREATE INDEX "mentions_received_idx" ON "mentions" USING btree ("received_at");