-- Messages, the chats' event log (chat_events) and reactions become tables partitioned by hash of chat_id,
-- so that they can outgrow one disk and one server: every key below carries chat_id, every hot query names
-- it and is pruned to one partition, and on Citus the same column is the distribution column (see
-- docs/scaling.md). message_hides, keyed by its user, keeps one table and refers to messages by
-- (chat_id, id).
--
-- The partition count is read from the setting live_chat.message_partitions, which the service sets from
-- MESSAGE_PARTITIONS before migrating; 0 keeps plain tables with the same keys. It is fixed here: hash
-- partitions cannot be split later (a new count means a new table and a copy, as this migration does).
--
-- The tables are rebuilt and their rows copied: on a large database this migration takes as long as the
-- copy, with the tables locked.
DO $$
DECLARE
  parts int := coalesce(nullif(current_setting('live_chat.message_partitions', true), ''), '8')::int;
  by_chat text := CASE WHEN parts > 0 THEN ' PARTITION BY HASH (chat_id)' ELSE '' END;
  t text;
BEGIN
  EXECUTE 'CREATE TABLE messages_by_chat (LIKE messages INCLUDING DEFAULTS INCLUDING CONSTRAINTS)' || by_chat;
  EXECUTE 'CREATE TABLE chat_events_by_chat (LIKE chat_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)' || by_chat;
  EXECUTE 'CREATE TABLE message_reactions_by_chat (chat_id uuid NOT NULL, '
    'LIKE message_reactions INCLUDING DEFAULTS INCLUDING CONSTRAINTS)' || by_chat;
  FOR i IN 0 .. parts - 1 LOOP
    FOREACH t IN ARRAY ARRAY['messages', 'chat_events', 'message_reactions'] LOOP
      EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES WITH (MODULUS %s, REMAINDER %s)',
                     t || '_p' || i, t || '_by_chat', parts, i);
    END LOOP;
  END LOOP;
END $$;
--> statement-breakpoint
INSERT INTO messages_by_chat SELECT * FROM messages;
--> statement-breakpoint
INSERT INTO chat_events_by_chat SELECT * FROM chat_events;
--> statement-breakpoint
INSERT INTO message_reactions_by_chat (chat_id, message_id, user_id, emoji, created_at)
  SELECT m.chat_id, r.message_id, r.user_id, r.emoji, r.created_at
  FROM message_reactions r JOIN messages m ON m.id = r.message_id;
--> statement-breakpoint
ALTER TABLE message_hides DROP CONSTRAINT message_hides_message_id_messages_id_fk;
--> statement-breakpoint
DROP TABLE message_reactions;
--> statement-breakpoint
DROP TABLE chat_events;
--> statement-breakpoint
DROP TABLE messages;
--> statement-breakpoint
ALTER TABLE messages_by_chat RENAME TO messages;
--> statement-breakpoint
ALTER TABLE chat_events_by_chat RENAME TO chat_events;
--> statement-breakpoint
ALTER TABLE message_reactions_by_chat RENAME TO message_reactions;
--> statement-breakpoint
-- The id first, so that a message named by its id alone is found through the key.
ALTER TABLE "messages" ADD CONSTRAINT "messages_id_chat_id_pk" PRIMARY KEY("id","chat_id");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_chat_id_seq_key" ON "messages" USING btree ("chat_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_chat_sender_client_message_id_key" ON "messages" USING btree ("chat_id","sender_id","client_message_id") WHERE "messages"."client_message_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "messages_media_id_idx" ON "messages" USING btree ("media_id") WHERE "messages"."media_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "messages_txid_idx" ON "messages" USING btree ("txid");--> statement-breakpoint
ALTER TABLE "chat_events" ADD CONSTRAINT "chat_events_chat_id_seq_pk" PRIMARY KEY("chat_id","seq");--> statement-breakpoint
ALTER TABLE "chat_events" ADD CONSTRAINT "chat_events_chat_id_chats_id_fk" FOREIGN KEY ("chat_id") REFERENCES "public"."chats"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_events" ADD CONSTRAINT "chat_events_chat_id_message_id_messages_chat_id_id_fk" FOREIGN KEY ("chat_id","message_id") REFERENCES "public"."messages"("chat_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chat_events_message_id_idx" ON "chat_events" USING btree ("chat_id","message_id");--> statement-breakpoint
CREATE INDEX "chat_events_txid_idx" ON "chat_events" USING btree ("txid");--> statement-breakpoint
ALTER TABLE "message_reactions" ADD CONSTRAINT "message_reactions_chat_id_message_id_user_id_emoji_pk" PRIMARY KEY("chat_id","message_id","user_id","emoji");--> statement-breakpoint
ALTER TABLE "message_reactions" ADD CONSTRAINT "message_reactions_chat_id_message_id_messages_chat_id_id_fk" FOREIGN KEY ("chat_id","message_id") REFERENCES "public"."messages"("chat_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_reactions" ADD CONSTRAINT "message_reactions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_hides" ADD CONSTRAINT "message_hides_chat_id_message_id_messages_chat_id_id_fk" FOREIGN KEY ("chat_id","message_id") REFERENCES "public"."messages"("chat_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- The triggers of migrations 0004, 0006 and 0007 went with the old tables; their functions stay.
CREATE TRIGGER messages_sender_is_member_on_insert AFTER INSERT ON messages
  REFERENCING NEW TABLE AS new_messages FOR EACH STATEMENT EXECUTE FUNCTION messages_sender_is_member();
--> statement-breakpoint
CREATE TRIGGER messages_chat_and_sender_are_fixed BEFORE UPDATE OF chat_id, sender_id ON messages
  FOR EACH ROW WHEN (OLD.chat_id IS DISTINCT FROM NEW.chat_id OR OLD.sender_id IS DISTINCT FROM NEW.sender_id)
  EXECUTE FUNCTION messages_chat_and_sender_are_fixed();
--> statement-breakpoint
-- As in 0006, with each message's reactions read from its chat's partition.
CREATE OR REPLACE FUNCTION message_reactions_within_limits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT FROM (SELECT DISTINCT chat_id, message_id FROM added) a
    WHERE (SELECT count(DISTINCT emoji) FROM message_reactions r
           WHERE r.chat_id = a.chat_id AND r.message_id = a.message_id) > 20
       OR EXISTS (
         SELECT FROM message_reactions r WHERE r.chat_id = a.chat_id AND r.message_id = a.message_id
         GROUP BY r.user_id HAVING count(*) > 3)
  ) THEN
    RAISE EXCEPTION 'too many reactions on a message'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'message_reactions_limit',
        SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER message_reactions_within_limits AFTER INSERT ON message_reactions
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION message_reactions_within_limits();
