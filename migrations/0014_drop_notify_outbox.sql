DROP TABLE "notify_outbox" CASCADE;
