CREATE TABLE "outbox_partitions" (
	"part" integer PRIMARY KEY NOT NULL,
	"seen" text NOT NULL,
	"owner" text,
	"lease_until" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "outbox_retries" (
	"channel" text NOT NULL,
	"target" text NOT NULL,
	"id" text NOT NULL,
	"chat_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"payload" jsonb NOT NULL,
	"attempts" integer NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"locked_until" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"dead_at" timestamp with time zone,
	CONSTRAINT "outbox_retries_channel_target_id_pk" PRIMARY KEY("channel","target","id")
);
--> statement-breakpoint
CREATE TABLE "push_subscriptions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"session_id" uuid,
	"endpoint" text NOT NULL,
	"p256dh" text NOT NULL,
	"auth" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "chat_members" ADD COLUMN "notify_level" text DEFAULT 'all' NOT NULL;--> statement-breakpoint
ALTER TABLE "chat_members" ADD COLUMN "muted_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "chat_members" ADD COLUMN "pushed_seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "push_subscriptions" ADD CONSTRAINT "push_subscriptions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "push_subscriptions" ADD CONSTRAINT "push_subscriptions_session_id_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "outbox_retries_due_idx" ON "outbox_retries" USING btree ("next_attempt_at") WHERE "outbox_retries"."dead_at" IS NULL;--> statement-breakpoint
CREATE INDEX "outbox_retries_chat_idx" ON "outbox_retries" USING btree ("channel","target","chat_id","seq") WHERE "outbox_retries"."dead_at" IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "push_subscriptions_endpoint_key" ON "push_subscriptions" USING btree ("endpoint");--> statement-breakpoint
CREATE INDEX "push_subscriptions_user_id_idx" ON "push_subscriptions" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "push_subscriptions_session_id_idx" ON "push_subscriptions" USING btree ("session_id");--> statement-breakpoint
CREATE INDEX "chat_events_txid_idx" ON "chat_events" USING btree ("txid");--> statement-breakpoint
CREATE INDEX "messages_txid_idx" ON "messages" USING btree ("txid");--> statement-breakpoint
-- The outbox starts from now: what committed before this migration is not notified.
INSERT INTO "outbox_partitions" ("part", "seen") SELECT p, pg_current_snapshot()::text FROM generate_series(0, 15) AS p;
