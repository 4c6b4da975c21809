ALTER TABLE "chat_members" ADD COLUMN "last_delivered_seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "txid" "xid8" DEFAULT pg_current_xact_id() NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "online_instance" text;--> statement-breakpoint
CREATE INDEX "messages_chat_id_txid_idx" ON "messages" USING btree ("chat_id","txid");