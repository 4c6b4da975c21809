CREATE TABLE "chat_events" (
	"chat_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"kind" text NOT NULL,
	"message_id" uuid NOT NULL,
	"actor_id" uuid NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"txid" "xid8" DEFAULT pg_current_xact_id() NOT NULL,
	CONSTRAINT "chat_events_chat_id_seq_pk" PRIMARY KEY("chat_id","seq")
);
--> statement-breakpoint
CREATE TABLE "message_hides" (
	"user_id" uuid NOT NULL,
	"chat_id" uuid NOT NULL,
	"message_seq" integer NOT NULL,
	"message_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "message_hides_user_id_chat_id_message_seq_pk" PRIMARY KEY("user_id","chat_id","message_seq")
);
--> statement-breakpoint
CREATE TABLE "message_reactions" (
	"message_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"emoji" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "message_reactions_message_id_user_id_emoji_pk" PRIMARY KEY("message_id","user_id","emoji")
);
--> statement-breakpoint
ALTER TABLE "chat_members" ADD COLUMN "last_read_num" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "chat_members" ADD COLUMN "unread_removed" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "chats" ADD COLUMN "message_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "chats" ADD COLUMN "last_message_seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Until now every seq was a message: a message's number is its seq, a chat's count its last seq.
ALTER TABLE "messages" ADD COLUMN "num" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE "messages" SET "num" = "seq";--> statement-breakpoint
ALTER TABLE "messages" ALTER COLUMN "num" DROP DEFAULT;--> statement-breakpoint
UPDATE "chats" SET "message_count" = "last_seq", "last_message_seq" = "last_seq";--> statement-breakpoint
UPDATE "chat_members" SET "last_read_num" = "last_read_seq";--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "reply_to_id" uuid;--> statement-breakpoint
ALTER TABLE "chat_events" ADD CONSTRAINT "chat_events_chat_id_chats_id_fk" FOREIGN KEY ("chat_id") REFERENCES "public"."chats"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chat_events" ADD CONSTRAINT "chat_events_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_hides" ADD CONSTRAINT "message_hides_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_hides" ADD CONSTRAINT "message_hides_chat_id_chats_id_fk" FOREIGN KEY ("chat_id") REFERENCES "public"."chats"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_hides" ADD CONSTRAINT "message_hides_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_reactions" ADD CONSTRAINT "message_reactions_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "message_reactions" ADD CONSTRAINT "message_reactions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chat_events_message_id_idx" ON "chat_events" USING btree ("message_id");--> statement-breakpoint
-- Edits and deletes update messages; a row's chat and sender never change, so the set-based membership
-- check on every UPDATE statement (migration 0004) is replaced by a refusal to change those two columns.
DROP TRIGGER "messages_sender_is_member_on_update" ON "messages";--> statement-breakpoint
CREATE FUNCTION messages_chat_and_sender_are_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'a message''s chat_id and sender_id cannot change'
    USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'messages_chat_member_fk',
      SCHEMA = TG_TABLE_SCHEMA, TABLE = TG_TABLE_NAME;
END $$;
--> statement-breakpoint
CREATE TRIGGER messages_chat_and_sender_are_fixed BEFORE UPDATE OF chat_id, sender_id ON messages
  FOR EACH ROW WHEN (OLD.chat_id IS DISTINCT FROM NEW.chat_id OR OLD.sender_id IS DISTINCT FROM NEW.sender_id)
  EXECUTE FUNCTION messages_chat_and_sender_are_fixed();
--> statement-breakpoint
-- The reaction limits, checked again after every insert. The batch statement checks them first, against
-- its snapshot; this check runs after the chat row's lock is held (every writer of reactions bumps the
-- chat's seq) with a fresh snapshot, so a concurrent writer on another instance cannot slip past them.
CREATE FUNCTION message_reactions_within_limits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (
    SELECT FROM (SELECT DISTINCT message_id FROM added) a
    WHERE (SELECT count(DISTINCT emoji) FROM message_reactions r WHERE r.message_id = a.message_id) > 20
       OR EXISTS (
         SELECT FROM message_reactions r WHERE r.message_id = a.message_id
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