CREATE INDEX "conversations_author_idx" ON "conversations" USING btree ("network","author_id");--> statement-breakpoint
CREATE INDEX "mentions_conversation_idx" ON "mentions" USING btree ("conversation_id");--> statement-breakpoint
CREATE INDEX "mentions_author_idx" ON "mentions" USING btree ("network","author_id","posted_at");--> statement-breakpoint
CREATE INDEX "mentions_author_handle_idx" ON "mentions" USING btree ("network",lower("author_handle"));--> statement-breakpoint
CREATE INDEX "mentions_text_hash_idx" ON "mentions" USING hash ("text");--> statement-breakpoint
CREATE INDEX "replies_conversation_idx" ON "replies" USING btree ("conversation_id");